package ui

import (
	"net/http"
	"runtime"
	"sort"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/ui/views"
)

// The appliance admin's pages: households and accounts, every camera, and
// storage with system health.

// householdNames returns every household's name by row number, and the
// form options, whose values are public IDs (the row number never reaches
// a page), with the row number each option stands for.
func (s *Server) householdNames(r *http.Request, ad nvr.AdminDirectory) (map[nvr.HouseholdID]string, []views.Option, []nvr.HouseholdID, error) {
	hs, err := ad.Households(r.Context())
	if err != nil {
		return nil, nil, nil, err
	}
	names := make(map[nvr.HouseholdID]string, len(hs))
	opts := make([]views.Option, 0, len(hs))
	ids := make([]nvr.HouseholdID, 0, len(hs))
	for _, h := range hs {
		names[h.ID] = h.Name
		opts = append(opts, views.Option{Value: string(h.PublicID), Label: h.Name})
		ids = append(ids, h.ID)
	}
	return names, opts, ids, nil
}

func (s *Server) handleAdminPage(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	ctx := r.Context()
	ad := s.dir.ForAdmin(g)
	names, opts, ids, err := s.householdNames(r, ad)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	users, err := ad.Users(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cams, err := ad.Cameras(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	members := map[nvr.HouseholdID]int{}
	cameras := map[nvr.HouseholdID]int{}
	u := g.User()
	m := views.AdminModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "admin"), Options: opts}
	for _, a := range users {
		members[a.HouseholdID]++
		m.Accounts = append(m.Accounts, views.AccountRow{ID: a.PublicID, Name: a.Name,
			Household: names[a.HouseholdID], Role: string(a.Role), Admin: a.Admin, Disabled: a.Disabled})
	}
	for _, c := range cams {
		cameras[c.HouseholdID]++
	}
	for i, o := range opts {
		h := ids[i]
		m.Households = append(m.Households, views.HouseholdRow{ID: o.Value, Name: o.Label, Members: members[h], Cameras: cameras[h]})
	}
	s.render(w, r, http.StatusOK, views.Admin(m))
}

func (s *Server) handleAdminCamerasPage(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	ad := s.dir.ForAdmin(g)
	names, opts, _, err := s.householdNames(r, ad)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cams, err := ad.Cameras(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.CamerasModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "admin-cameras"), Title: "All cameras",
		AddAPI: "/api/admin/cameras", Households: opts, RemoveAPI: "/api/admin/cameras/"}
	for _, c := range cams {
		row := s.cameraRowOf(r, g.Principal(), c)
		row.Household = names[c.HouseholdID]
		m.Cameras = append(m.Cameras, row)
	}
	s.render(w, r, http.StatusOK, views.Cameras(m))
}

// estimateRetentionDays scales the oldest footage kept by how much of the
// usable space (the disk down to its free-space target, or the byte budget
// when smaller) is still free: if 3 days fill half of it, about 6 fit. No
// more than the longest continuous-recording age limit is kept, so the
// estimate stops there.
func estimateRetentionDays(st record.RetentionStatus) float64 {
	var kept, ageDays float64
	capped := len(st.Cameras) > 0
	for _, c := range st.Cameras {
		kept = max(kept, c.RetainedDays)
		if c.ContinuousAge < 0 {
			capped = false // a camera kept without an age limit
		}
		ageDays = max(ageDays, c.ContinuousAge.Hours()/24)
	}
	if kept <= 0 || st.UsedBytes <= 0 {
		return 0
	}
	usable := st.UsedBytes + st.DiskFreeBytes - st.MinFreeBytes
	if st.MaxBytes > 0 {
		usable = min(usable, st.MaxBytes)
	}
	days := kept
	if usable > st.UsedBytes {
		days = kept * float64(usable) / float64(st.UsedBytes)
	}
	if capped && ageDays > 0 {
		days = min(days, max(ageDays, kept))
	}
	return days
}

func (s *Server) handleSystemPage(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	ad := s.dir.ForAdmin(g)
	names, _, _, err := s.householdNames(r, ad)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cams, err := ad.Cameras(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.SystemModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "system")}
	if s.storage != nil {
		st := s.storage.Status()
		m.Storage = views.StorageModel{Enabled: true, UsedBytes: st.UsedBytes, FreeBytes: st.DiskFreeBytes,
			TotalBytes: st.DiskTotalBytes, RetentionDays: estimateRetentionDays(st), Refused: st.Refused, Problems: st.Problems}
	}
	if s.offsiteStatus != nil {
		if m.Offsite, err = s.offsiteFigures(r, g, names); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	for _, c := range cams {
		row := s.cameraRowOf(r, g.Principal(), c)
		hc := views.HealthCamera{Name: c.Name, Household: names[c.HouseholdID], State: row.State,
			SeenAt: row.SeenAt, SeenClock: row.SeenClock}
		if cg, err := s.policy.Camera(r.Context(), g.Principal(), nvr.ActionManageCamera, c.ID); err == nil {
			st := s.withStatus(r.Context(), cg, "")
			// The last failure is the ingest's until the next one: shown
			// beside "Streaming" it read as a fault of now.
			if len(st.Streams) > 0 && st.Streams[0].LastError != "" && st.Streams[0].State != "streaming" {
				hc.Detail = st.Streams[0].LastError
			}
			hc.Recording, hc.RecordingReason = st.Recording, st.RecordingReason
			if st.Recording == record.RecordingStalled {
				m.RecordingStalled++
			}
		}
		m.Cameras = append(m.Cameras, hc)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.HeapBytes, m.SysBytes, m.Goroutines = int64(ms.HeapAlloc), int64(ms.Sys), runtime.NumGoroutine()
	up := time.Since(s.started)
	m.Uptime = up.Round(time.Second).String()
	m.CPUSeconds = processCPUTime().Seconds()
	if up > 0 {
		m.CPUPercent = 100 * m.CPUSeconds / up.Seconds()
	}
	s.render(w, r, http.StatusOK, views.System(m))
}

// offsiteFigures is the storage page's line per household with an
// off-site copy, in name order: figures only (offsite.Copier.Figures).
func (s *Server) offsiteFigures(r *http.Request, g nvr.AdminGrant, names map[nvr.HouseholdID]string) ([]views.OffsiteFigure, error) {
	var out []views.OffsiteFigure
	for id, name := range names {
		st, err := s.offsiteStatus.Figures(r.Context(), g, id)
		if err != nil {
			return nil, err
		}
		if !st.Configured {
			continue
		}
		out = append(out, views.OffsiteFigure{Household: name, Backlog: st.Backlog, LastCopied: st.LastCopied,
			Problem: st.Error, Dropped: st.Dropped})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Household < out[j].Household })
	return out, nil
}
