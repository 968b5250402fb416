package nvr

import (
	"os"
	"path/filepath"
	"testing"
)

// OpenConfined refuses every way out of its directory and every link, and
// never reads the target.
func TestOpenConfined(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, at string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(at), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, at); err != nil {
			t.Fatal(err)
		}
	}
	write(outside, "outside-secret")
	write(filepath.Join(data, "a", "1.jpg"), "camera-a")
	write(filepath.Join(data, "b", "2.jpg"), "camera-b")
	link("/etc/passwd", filepath.Join(data, "a", "passwd.jpg"))
	link(outside, filepath.Join(data, "a", "out.jpg"))
	link(filepath.Join(data, "b", "2.jpg"), filepath.Join(data, "a", "2.jpg")) // absolute, inside
	link("../b/2.jpg", filepath.Join(data, "a", "rel.jpg"))                    // relative, inside
	link(filepath.Join(data, "b"), filepath.Join(data, "c"))                   // a camera dir linked to another
	link(filepath.Dir(outside), filepath.Join(data, "d"))                      // a camera dir linked outside
	if f, err := OpenConfined(data, "a/1.jpg"); err != nil {
		t.Fatalf("own file: %v", err)
	} else {
		f.Close()
	}
	for _, rel := range []string{"a/passwd.jpg", "a/out.jpg", "a/2.jpg", "a/rel.jpg", "c/2.jpg", "d/secret",
		"../" + filepath.Base(filepath.Dir(outside)) + "/secret", "a/../b/2.jpg", "/etc/passwd", outside, "a//1.jpg",
		"a/./1.jpg", "a", "", "a/1.jpg/", "a\\1.jpg", "%2e%2e/b/2.jpg", "a/missing.jpg"} {
		f, err := OpenConfined(data, rel)
		if err == nil {
			b := make([]byte, 64)
			n, _ := f.Read(b)
			f.Close()
			t.Errorf("OpenConfined(%q) opened %q", rel, b[:n])
		}
	}
}
