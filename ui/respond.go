package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// statusOf is the one place that maps an error kind to an HTTP status.
func statusOf(k nvr.Kind) int {
	switch k {
	case nvr.KindInvalid:
		return http.StatusBadRequest
	case nvr.KindNotFound:
		return http.StatusNotFound
	case nvr.KindConflict:
		return http.StatusConflict
	case nvr.KindUnauthorized:
		return http.StatusUnauthorized
	case nvr.KindUnavailable:
		return http.StatusServiceUnavailable
	case nvr.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case kindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case kindUnprocessable:
		return http.StatusUnprocessableEntity
	case kindPreconditionFailed:
		return http.StatusPreconditionFailed
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers err as JSON. Internal causes are logged, never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := nvr.ErrorKind(err)
	status := statusOf(kind)
	if kind == nvr.KindUnavailable && nvr.RetryAfter(err) > 0 {
		status = http.StatusTooManyRequests // rate limited, as opposed to temporarily unable
	}
	msg := nvr.ErrorMessage(err)
	if kind == nvr.KindInternal {
		msg = "internal error"
		s.logFailure(r, "request failed", err)
	}
	if kind == nvr.KindNotFound {
		// One body for "missing" and "not yours", whatever the cause.
		msg = "not found"
	}
	if d := nvr.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())+1))
	}
	if kind == nvr.KindUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hearth"`)
	}
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func errInvalid(format string, args ...any) error {
	return nvr.Errorf("decode request", nvr.KindInvalid, format, args...)
}

// decodeJSON reads exactly one JSON object into dst: the content type must
// be application/json, unknown fields are refused by name, the body is
// bounded by the body-limit middleware and trailing data is an error.
func decodeJSON(r *http.Request, dst any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &nvr.Error{Op: "decode request", Kind: kindUnsupportedMedia, Msg: "Content-Type must be application/json"}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return errInvalid("request body must hold a single JSON object")
	}
	return nil
}

// ui-local kinds for HTTP answers nvr has no use for.
const (
	kindUnsupportedMedia   nvr.Kind = 200 // 415
	kindUnprocessable      nvr.Kind = 201 // 422: understood, not supported (WHEP ICE restart)
	kindPreconditionFailed nvr.Kind = 202 // 412: If-Match does not match
)

func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &nvr.Error{Op: "decode request", Kind: nvr.KindTooLarge,
			Msg: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
	case errors.As(err, &se):
		return errInvalid("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return errInvalid("field %q must be of type %s", te.Field, te.Type)
		}
		return errInvalid("request body must be a JSON object")
	case errors.Is(err, io.EOF):
		return errInvalid("request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errInvalid("malformed JSON: unexpected end of input")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errInvalid("unknown field %s", f)
	}
	return errInvalid("malformed JSON")
}

// logAttrsOf keeps access log attributes in one place.
func logAttrsOf(r *http.Request, status int, bytes int64) []slog.Attr {
	return []slog.Attr{
		slog.String("method", r.Method),
		// Never the query (it may carry secrets), nor a share link's
		// secret, nor a push subscription's capability.
		slog.String("path", redactPath(r.URL.Path)),
		slog.Int("status", status),
		slog.Int64("bytes", bytes),
		slog.String("remote", r.RemoteAddr),
		slog.String("request_id", requestID(r.Context())),
	}
}

// logFailure logs a request's internal failure at ERROR, except one caused
// by the client going away (its request context canceled while the work
// ran): a closed tab or a player seeking is ordinary, so it goes to DEBUG
// and an ERROR line keeps meaning something is wrong.
func (s *Server) logFailure(r *http.Request, msg string, err error) {
	ctx := r.Context()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		s.log.DebugContext(ctx, msg+": the client went away", "err", err, "request_id", requestID(ctx))
		return
	}
	s.log.ErrorContext(ctx, msg, "err", err, "request_id", requestID(ctx))
}
