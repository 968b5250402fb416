package record

import (
	"math"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestHouseholdFitDays: the days of a household's footage its space holds,
// scaled from how far back its footage reaches by the space it may fill
// (the disk budget, its fair share, its quota, whichever is least); no
// estimate from under an hour of footage or before the disk is known.
func TestHouseholdFitDays(t *testing.T) {
	const gib = int64(1) << 30
	home, other := nvr.HouseholdID(1), nvr.HouseholdID(2)
	base := RetentionStatus{UsedBytes: 20 * gib, DiskTotalBytes: 100 * gib, DiskFreeBytes: 80 * gib, MinFreeBytes: 10 * gib,
		Cameras: []CameraRetentionStatus{
			{HouseholdID: home, Bytes: 8 * gib, RetainedDays: 2},
			{HouseholdID: home, Bytes: 2 * gib, RetainedDays: 1},
			{HouseholdID: other, Bytes: 10 * gib, RetainedDays: 9},
		},
		Households: []HouseholdRetentionStatus{{HouseholdID: home, Bytes: 10 * gib}, {HouseholdID: other, Bytes: 10 * gib}}}
	for _, tc := range []struct {
		name   string
		edit   func(*RetentionStatus)
		want   float64
		wantOK bool
	}{
		// 10 GiB in 2 days, 90 GiB usable (20 used + 80 free - 10 floor): 18 days.
		{"the whole budget", func(*RetentionStatus) {}, 18, true},
		{"the byte cap", func(s *RetentionStatus) { s.MaxBytes = 30 * gib }, 6, true},
		{"its fair share", func(s *RetentionStatus) { s.Households[0].ShareBytes = 45 * gib }, 9, true},
		{"its quota under the share", func(s *RetentionStatus) {
			s.Households[0].ShareBytes, s.Households[0].QuotaBytes = 45*gib, 15*gib
		}, 3, true},
		{"under an hour of footage", func(s *RetentionStatus) { s.Cameras[0].RetainedDays, s.Cameras[1].RetainedDays = 0.01, 0.02 }, 0, false},
		{"the disk not known yet", func(s *RetentionStatus) { s.DiskTotalBytes = 0 }, 0, false},
		{"no footage of its own", func(s *RetentionStatus) { s.Households[0].Bytes = 0 }, 0, false},
	} {
		st := base
		st.Cameras = append([]CameraRetentionStatus(nil), base.Cameras...)
		st.Households = append([]HouseholdRetentionStatus(nil), base.Households...)
		tc.edit(&st)
		got, ok := st.HouseholdFitDays(home)
		if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}
