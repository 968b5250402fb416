package ui

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/view"
)

// FuzzQueries feeds raw query strings to the parsers of the events listing
// (camera, start, end, kind, limit, cursor) and of the recordings and clip
// routes (start, end): they never panic, and every refusal is a 400
// (KindInvalid), never a 500.
func FuzzQueries(f *testing.F) {
	for _, s := range []string{"", "limit=-1", "limit=0", "limit=99999999999999999999", "start=2026-01-01T00:00:00Z&end=2025-01-01T00:00:00Z",
		"start=%zz", "cursor=e1.=\"", "kind=motion&kind=trigger", "camera=..%2f..%2fetc", "start=9999-12-31T23:59:59.999999999%2B14:00",
		"start=0000-01-01T00:00:00Z&end=9999-12-31T23:59:59Z", "end=2026-01-01T00:00:00-25:00", "limit=1e3", ";;;&&&==",
		"start=2026-02-30T00:00:00Z", "kind=" + "\x00", "cursor=e1.MTIzLjQ1&limit=200"} {
		f.Add(s)
	}
	invalid := func(t *testing.T, what, q string, err error) {
		var e *nvr.Error
		if err != nil && (!errors.As(err, &e) || e.Kind != nvr.KindInvalid) {
			t.Fatalf("%s(%q): %v is not a 400", what, q, err)
		}
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest("GET", "/api/events", nil)
		r.URL.RawQuery = rawQuery
		flt, err := parseEventFilter(r)
		invalid(t, "parseEventFilter", rawQuery, err)
		if err == nil && (flt.Limit < 0 || flt.Limit > events.MaxEventLimit) {
			t.Fatalf("limit %d accepted", flt.Limit)
		}
		q, _ := url.ParseQuery(rawQuery)
		tr, err := view.ParseTimeRange(q.Get("start"), q.Get("end"), 31*24*time.Hour)
		invalid(t, "ParseTimeRange", rawQuery, err)
		if err == nil && tr.End.Before(tr.Start) {
			t.Fatalf("range %v accepted", tr)
		}
	})
}
