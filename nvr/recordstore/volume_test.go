package recordstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVolumeIdentity(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := filepath.Join(data, RecordingsDirName)
	if _, err := CheckVolume(data); err == nil {
		t.Fatal("check created nothing yet must fail")
	}
	v, err := OpenVolume(data)
	if err != nil || v.Dir != dir || len(v.ID) != 32 {
		t.Fatalf("first start: %+v %v", v, err)
	}
	if v2, err := OpenVolume(data); err != nil || v2 != v {
		t.Fatalf("second start: %+v %v", v2, err)
	}
	if _, err := CheckVolume(data); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		breaks func(t *testing.T, data, dir string)
		want   string
	}{
		{"missing", func(t *testing.T, data, dir string) { os.RemoveAll(dir) }, "is missing"},
		{"unmounted", func(t *testing.T, data, dir string) { os.RemoveAll(dir); os.Mkdir(dir, 0o750) }, "has no .hearth-volume"},
		{"replaced", func(t *testing.T, data, dir string) {
			os.RemoveAll(dir)
			other := t.TempDir()
			if _, err := OpenVolume(other); err != nil {
				t.Fatal(err)
			}
			os.Rename(filepath.Join(other, RecordingsDirName), dir)
		}, "expected " + v.ID},
		{"other filesystem", func(t *testing.T, data, dir string) {
			rec := volumeRecord{id: v.ID, fsType: 0x1234}
			os.WriteFile(filepath.Join(data, VolumeIDFile), rec.marshal(), 0o640)
		}, "another filesystem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			copyTree(t, data, d)
			tc.breaks(t, d, filepath.Join(d, RecordingsDirName))
			for name, open := range map[string]func(string) (Volume, error){"open": OpenVolume, "check": CheckVolume} {
				_, err := open(d)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "recordings directory") {
					t.Errorf("%s: %v, want %q", name, err, tc.want)
				}
			}
			if _, err := os.Stat(filepath.Join(d, RecordingsDirName, VolumeMarker)); tc.name != "replaced" && tc.name != "other filesystem" && err == nil {
				t.Error("a broken volume was re-created")
			}
		})
	}
	// volume-id lost (crash during first start): the marker is adopted.
	os.Remove(filepath.Join(data, VolumeIDFile))
	if v3, err := OpenVolume(data); err != nil || v3.ID != v.ID {
		t.Fatalf("adopt: %+v %v", v3, err)
	}
}

// copyTree copies regular files and directories.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o750)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
}
