package nvr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A household's local folder for its off-site copy must be an existing
// folder inside one the appliance's admin set aside (symbolic links
// followed); with none set aside, households copy over SFTP only. Before,
// a household owner could name any folder the service may write: Hearth's
// own data directory, another household's copies.
func TestOffsiteLocalDirs(t *testing.T) {
	root := t.TempDir()
	inside := filepath.Join(root, "alvarez")
	if err := os.Mkdir(inside, 0o750); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	link := filepath.Join(root, "sneaky")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := (&Offsite{}).checkLocalDir(inside); ErrorKind(err) != KindInvalid || !strings.Contains(err.Error(), "SFTP") {
		t.Errorf("no folders set aside: %v, want invalid, pointing to SFTP", err)
	}
	o := (&Offsite{}).WithLocalDirs([]string{root + "/"})
	for path, want := range map[string]string{
		root:                        "",
		inside:                      "",
		inside + "/../alvarez":      "",
		elsewhere:                   "copies may go only into " + root,
		link:                        "copies may go only into",
		"/":                         "copies may go only into",
		"/no/such/folder":           "copies may go only into", // not "does not exist": nothing said of elsewhere
		filepath.Join(root, "nope"): "does not exist",
		file:                        "is not a folder",
	} {
		err := o.checkLocalDir(path)
		if want == "" && err != nil {
			t.Errorf("%s: %v, want it allowed", path, err)
		}
		if want != "" && (ErrorKind(err) != KindInvalid || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want invalid saying %q", path, err, want)
		}
	}
}
