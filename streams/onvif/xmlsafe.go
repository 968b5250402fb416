package onvif

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Bounds on what a device may send. A real GetProfiles answer of a
// sixteen-channel encoder is about 100 KiB; 1 MiB leaves room and still
// stops a device that streams without end.
const (
	// MaxBody is the largest response body read, in bytes.
	MaxBody = 1 << 20
	// maxDepth bounds element nesting: ONVIF answers nest about 10 deep.
	maxDepth = 64
	// maxTokens bounds the XML tokens of one answer.
	maxTokens = 200_000
)

// ErrTooLarge is returned for a body over MaxBody.
var ErrTooLarge = errors.New("onvif: response larger than 1 MiB")

// readBounded reads r to at most MaxBody bytes.
func readBounded(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(b) > MaxBody {
		return nil, ErrTooLarge
	}
	return b, nil
}

// checkXML walks b once with bounds on depth and token count, so the
// decode that follows never meets a pathological document. Directives
// (DOCTYPE and any entity declarations) are refused outright: no ONVIF
// answer has one.
func checkXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth := 0
	for n := 0; ; n++ {
		if n > maxTokens {
			return errors.New("onvif: xml has too many tokens")
		}
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return errors.New("onvif: xml ends inside an element")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("onvif: xml: %w", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return errors.New("onvif: xml nested too deep")
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return errors.New("onvif: xml has a directive (DOCTYPE); refused")
		}
	}
}

// decodeXML checks b and decodes it into v.
func decodeXML(b []byte, v any) error {
	if err := checkXML(b); err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("onvif: decode: %w", err)
	}
	return nil
}
