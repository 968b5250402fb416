package offsite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"filippo.io/age"
)

// File names on the target (see doc.go).
const (
	initName  = "init.mp4.age"
	indexName = "index.json.age"
	fragExt   = ".m4s.age"
	// maxFileBytes bounds one decrypted file read back by Restore: a
	// fragment is at most 32 MiB (segment.DefaultMaxFragmentBytes) plus
	// its boxes.
	maxFileBytes = 64 << 20
)

// segmentDir is a segment's directory on the target: the camera ID and
// the local file's name without its extension.
func segmentDir(relPath string) string {
	cam, name := path.Split(relPath)
	return path.Join(strings.TrimSuffix(cam, "/"), strings.TrimSuffix(name, path.Ext(name)))
}

func fragmentName(n int) string { return fmt.Sprintf("%06d%s", n, fragExt) }

// index is a segment's time index on the target.
type index struct {
	Camera    string          `json:"camera"`
	Segment   string          `json:"segment"`
	Start     time.Time       `json:"start"`
	Codec     string          `json:"codec,omitempty"`
	Event     bool            `json:"event"`
	Closed    bool            `json:"closed"`
	Fragments []indexFragment `json:"fragments"`
}

type indexFragment struct {
	N           int       `json:"n"` // file number, from 1
	Start       time.Time `json:"start"`
	Duration90k int64     `json:"duration_90k"`
	Key         bool      `json:"key"`
	Bytes       int64     `json:"bytes"`
}

// seal encrypts data to r as one complete age file.
func seal(r age.Recipient, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) + 256)
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// open decrypts one age file.
func open(ids []age.Identity, data io.Reader) ([]byte, error) {
	r, err := age.Decrypt(data, ids...)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("decrypt: file larger than %d bytes", maxFileBytes)
	}
	return b, nil
}

func encodeIndex(x index) ([]byte, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("encode index: %w", err)
	}
	return b, nil
}
