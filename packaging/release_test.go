// Package packaging_test checks what a release ships: packaging/release.sh
// builds every target as `make release` does, and the tarballs, checksums,
// binaries (on emulated ARM) and .debs are checked from outside. It lives
// here, beside what it tests, and not in cmd/hearth, whose package timeout
// it used to share with every end-to-end test.
package packaging_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// The release the packaging tests build: packaging/release.sh, as `make
// release` runs it, into a temporary dist directory.
const (
	testVersion    = "1.2.3-test"
	testDebVersion = "1.2.3~test"
	testCommit     = "0123456789ab"
	testEpoch      = 1700000000
	packagingDir   = "."
)

// releaseTarget is one architecture of a release.
type releaseTarget struct {
	name    string // as in the tarball name
	machine elf.Machine
	goarm   string // "" unless arm
	debArch string // "" when no .deb carries this binary
	qemu    string // the qemu-user binary; "" runs natively
	cpu     string // qemu -cpu: the oldest CPU the build promises
	serve   bool   // run serve under emulation (version is always run)
}

var releaseTargets = []releaseTarget{
	{name: "amd64", machine: elf.EM_X86_64, debArch: "amd64"},
	{name: "arm64", machine: elf.EM_AARCH64, debArch: "arm64", qemu: "qemu-aarch64-static", cpu: "cortex-a53", serve: true},
	{name: "armv7", machine: elf.EM_ARM, goarm: "7", qemu: "qemu-arm-static", cpu: "cortex-a7", serve: true},
	// The armhf .deb's binary: Raspberry Pi OS armhf is ARMv6 (Pi Zero, Pi 1).
	{name: "armv6", machine: elf.EM_ARM, goarm: "6", debArch: "armhf", qemu: "qemu-arm-static", cpu: "arm1176", serve: true},
}

// needTool finds a peer program; with CI=true a missing one fails the test.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	testpeer.Missing(t, "%s is missing (Debian package %s)", name, pkg)
	return ""
}

// TestPackaging runs packaging/release.sh for every target and checks what
// ships: tarballs, checksums, the binaries on emulated ARM, the .debs.
func TestPackaging(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles four targets; skipped with -short")
	}
	for _, tool := range []string{"bash", "tar", "gzip", "sha256sum"} {
		needTool(t, tool, "coreutils/tar/gzip")
	}
	goCmd := needTool(t, "go", "golang")
	dist := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute) // cold caches; warm: ~1 min
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(packagingDir, "release.sh"))
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+testVersion, "COMMIT="+testCommit,
		"SOURCE_DATE_EPOCH="+strconv.Itoa(testEpoch), "GO="+goCmd, "TARGETS=amd64 arm64 armv7 armv6")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	t.Logf("release.sh took %s", time.Since(start).Round(time.Second))

	bins := t.TempDir()
	t.Run("Tarballs", func(t *testing.T) { checkTarballs(t, dist, bins) })
	t.Run("Checksums", func(t *testing.T) { checkChecksums(t, dist) })
	t.Run("Cross", func(t *testing.T) {
		for _, tg := range releaseTargets {
			t.Run(tg.name, func(t *testing.T) {
				t.Parallel()
				runTarget(t, tg, filepath.Join(bins, tg.name, "hearth"))
			})
		}
	})
	t.Run("Deb", func(t *testing.T) { checkDebs(t, dist) })
}

func checkTarballs(t *testing.T, dist, bins string) {
	repoFiles := map[string]string{
		"README.md": "../README.md", "LICENSE": packagingDir + "/LICENSE",
		"hearth.service": packagingDir + "/hearth.service", "hearth.toml": packagingDir + "/hearth.toml",
	}
	for _, tg := range releaseTargets {
		name := "hearth_" + testVersion + "_linux_" + tg.name
		f, err := os.Open(filepath.Join(dist, name+".tar.gz"))
		if err != nil {
			t.Error(err)
			continue
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(zr)
		var got []string
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, h.Name)
			if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != testEpoch {
				t.Errorf("%s: %s owner %d:%d mtime %d; want 0:0 and SOURCE_DATE_EPOCH", name, h.Name, h.Uid, h.Gid, h.ModTime.Unix())
			}
			base := strings.TrimPrefix(h.Name, name+"/")
			if h.Typeflag != tar.TypeReg {
				continue
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if base == "hearth" {
				if h.Mode&0o777 != 0o755 {
					t.Errorf("%s: binary mode %o", name, h.Mode)
				}
				p := filepath.Join(bins, tg.name, "hearth")
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, body, 0o755); err != nil {
					t.Fatal(err)
				}
				checkBinary(t, tg, p)
				continue
			}
			if h.Mode&0o777 != 0o644 {
				t.Errorf("%s: %s mode %o", name, base, h.Mode)
			}
			if want, err := os.ReadFile(repoFiles[base]); err != nil || !bytes.Equal(body, want) {
				t.Errorf("%s: %s differs from the repository's (%v)", name, base, err)
			}
		}
		f.Close()
		slices.Sort(got)
		want := []string{name + "/", name + "/LICENSE", name + "/README.md", name + "/hearth", name + "/hearth.service", name + "/hearth.toml"}
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %v, want %v", name, got, want)
		}
	}
}

// checkBinary checks the architecture, static linking and build stamp.
func checkBinary(t *testing.T, tg releaseTarget, path string) {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	defer ef.Close()
	if ef.Machine != tg.machine {
		t.Errorf("%s: ELF machine %v, want %v", tg.name, ef.Machine, tg.machine)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s: not a static binary (%v)", tg.name, p.Type)
		}
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": "linux", "GOARM": tg.goarm} {
		if settings[k] != want {
			t.Errorf("%s: build setting %s=%q, want %q", tg.name, k, settings[k], want)
		}
	}
	// -trimpath keeps -ldflags out of the build info: check its effects. The
	// version stamp (-X) is checked by running "hearth version".
	for _, sec := range []string{".symtab", ".debug_info"} {
		if ef.Section(sec) != nil {
			t.Errorf("%s: has %s; want it stripped (-ldflags -s -w)", tg.name, sec)
		}
	}
	if fi, err := os.Stat(path); err == nil {
		t.Logf("%s: binary %.1f MiB", tg.name, float64(fi.Size())/(1<<20))
	}
}

func checkChecksums(t *testing.T, dist string) {
	b, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for line := range strings.Lines(string(b)) {
		sum, name, ok := strings.Cut(strings.TrimSpace(line), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", line)
		}
		listed[name] = sum
	}
	artifacts, _ := filepath.Glob(filepath.Join(dist, "hearth_*"))
	if len(artifacts) != len(releaseTargets)+3 || len(listed) != len(artifacts) {
		t.Errorf("SHA256SUMS lists %d files, dist has %v", len(listed), artifacts)
	}
	for _, a := range artifacts {
		data, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); listed[filepath.Base(a)] != got {
			t.Errorf("%s: SHA256SUMS says %q, file is %s", filepath.Base(a), listed[filepath.Base(a)], got)
		}
	}
}

var listenURL = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)

// runTarget runs "hearth version" and, for serving targets, "hearth serve"
// on loopback, natively or under qemu-user, and GETs /healthz.
func runTarget(t *testing.T, tg releaseTarget, bin string) {
	var prefix []string
	if tg.qemu != "" {
		prefix = []string{needTool(t, tg.qemu, "qemu-user-static"), "-cpu", tg.cpu}
	}
	command := func(ctx context.Context, args ...string) *exec.Cmd {
		all := append(append(slices.Clone(prefix), bin), args...)
		return exec.CommandContext(ctx, all[0], all[1:]...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := command(ctx, "version").CombinedOutput()
	if want := "hearth " + testVersion + " (commit " + testCommit + ")"; err != nil || strings.TrimSpace(string(out)) != want {
		t.Fatalf("version: %v: %q, want %q", err, out, want)
	}
	if !tg.serve {
		return
	}

	cmd := command(ctx, "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var logs bytes.Buffer
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if m := listenURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	var url string
	select {
	case url = <-urlc:
	case err := <-exited:
		t.Fatalf("serve exited before listening: %v\n%s", err, logs.String())
	case <-ctx.Done():
		t.Fatalf("serve did not start within the deadline")
	}
	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
	t.Logf("%s under %s -cpu %s: /healthz %d at %s", tg.name, filepath.Base(prefix[0]), tg.cpu, res.StatusCode, url)
	// SIGTERM, as systemd stops it: a clean exit.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Errorf("serve did not stop within 30 s of SIGTERM")
	}
}

func checkDebs(t *testing.T, dist string) {
	dpkgDeb := needTool(t, "dpkg-deb", "dpkg")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(dpkgDeb, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, tg := range releaseTargets {
		if tg.debArch == "" {
			continue
		}
		deb := filepath.Join(dist, "hearth_"+testDebVersion+"_"+tg.debArch+".deb")
		if _, err := os.Stat(deb); err != nil {
			t.Errorf("no .deb for %s: %v", tg.debArch, err)
			continue
		}
		for field, want := range map[string]string{
			"Package": "hearth", "Version": testDebVersion, "Architecture": tg.debArch,
			"Recommends": "ffmpeg", "Section": "video", "Homepage": "https://github.com/hearthnvr/hearth",
		} {
			if got := strings.TrimSpace(run("-f", deb, field)); got != want {
				t.Errorf("%s: %s = %q, want %q", tg.debArch, field, got, want)
			}
		}
		if got := strings.TrimSpace(run("-f", deb, "Maintainer")); !strings.Contains(got, "<") {
			t.Errorf("%s: Maintainer %q", tg.debArch, got)
		}

		// Files, owners and modes.
		listing := run("-c", deb)
		entries := map[string]string{} // path → "mode owner"
		for line := range strings.Lines(listing) {
			f := strings.Fields(line)
			if len(f) < 6 {
				continue
			}
			entries[strings.TrimPrefix(f[len(f)-1], ".")] = f[0] + " " + f[1]
		}
		for path, want := range map[string]string{
			"/usr/bin/hearth":                    "-rwxr-xr-x root/root",
			"/lib/systemd/system/hearth.service": "-rw-r--r-- root/root",
			"/etc/hearth/hearth.toml":            "-rw-r--r-- root/root",
			"/usr/share/doc/hearth/copyright":    "-rw-r--r-- root/root",
			"/usr/share/doc/hearth/README.md":    "-rw-r--r-- root/root",
		} {
			if got := entries[path]; got != want {
				t.Errorf("%s: %s is %q, want %q\n%s", tg.debArch, path, got, want, listing)
			}
		}
		for path := range entries {
			if strings.HasPrefix(path, "/var/lib/hearth") {
				t.Errorf("%s: ships %s; postinst/systemd create the data directory", tg.debArch, path)
			}
		}
		if tg.debArch != "amd64" {
			continue // the rest is the same for every architecture
		}

		info := run("-I", deb)
		for _, w := range []string{"postinst", "prerm", "postrm", "conffiles", "Recommends: ffmpeg"} {
			if !strings.Contains(info, w) {
				t.Errorf("dpkg-deb -I lacks %q:\n%s", w, info)
			}
		}
		control := t.TempDir()
		run("-e", deb, control)
		if b, err := os.ReadFile(filepath.Join(control, "conffiles")); err != nil || strings.TrimSpace(string(b)) != "/etc/hearth/hearth.toml" {
			t.Errorf("conffiles = %q (%v), want /etc/hearth/hearth.toml", b, err)
		}
		for _, s := range []string{"postinst", "prerm", "postrm"} {
			p := filepath.Join(control, s)
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("maintainer script %s: %v", s, err)
				continue
			}
			if fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s is not executable: %v", s, fi.Mode())
			}
			got, _ := os.ReadFile(p)
			want, _ := os.ReadFile(filepath.Join(packagingDir, "deb", s))
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from packaging/deb/%s", s, s)
			}
			if out, err := exec.Command("sh", "-n", p).CombinedOutput(); err != nil {
				t.Errorf("sh -n %s: %v %s", s, err, out)
			}
		}
		scripts := map[string][]string{
			"postinst": {"useradd --system", "/var/lib/hearth", "daemon-reload", "enable --now hearth.service", "/run/systemd/system"},
			"postrm":   {"purge)", "rm -rf /var/lib/hearth", "userdel hearth"},
			"prerm":    {"stop hearth.service", "disable hearth.service"},
		}
		for s, wants := range scripts {
			b, _ := os.ReadFile(filepath.Join(control, s))
			for _, w := range wants {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %q", s, w)
				}
			}
		}
		// Data survives "remove": only the purge branch deletes it.
		b, _ := os.ReadFile(filepath.Join(control, "postrm"))
		if i, j := strings.Index(string(b), "purge)"), strings.Index(string(b), "rm -rf /var/lib/hearth"); j < i {
			t.Errorf("postrm deletes /var/lib/hearth outside purge")
		}

		// The packaged binary is the stamped release build.
		root := t.TempDir()
		run("-x", deb, root)
		if runtime.GOARCH == "amd64" {
			out, err := exec.Command(filepath.Join(root, "usr/bin/hearth"), "version").CombinedOutput()
			if err != nil || !strings.Contains(string(out), testVersion) {
				t.Errorf("packaged hearth version: %v %q", err, out)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(root, "etc/hearth/hearth.toml")); !bytes.Equal(b, mustRead(t, packagingDir+"/hearth.toml")) {
			t.Errorf("packaged hearth.toml differs from packaging/hearth.toml")
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPackagingUnit checks the systemd unit: the hardening the issue asks
// for is there, systemd-analyze verify accepts it without a warning, and its
// exposure score stays low.
func TestPackagingUnit(t *testing.T) {
	t.Parallel()
	unitPath := filepath.Join(packagingDir, "hearth.service")
	unit := string(mustRead(t, unitPath))
	directives := map[string][]string{}
	for line := range strings.Lines(unit) {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			directives[k] = append(directives[k], v)
		}
	}
	for k, want := range map[string]string{
		"User": "hearth", "ExecStart": "/usr/bin/hearth serve --config /etc/hearth/hearth.toml",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ReadWritePaths": "/var/lib/hearth",
		"StateDirectory": "hearth", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
		"CapabilityBoundingSet": "", "AmbientCapabilities": "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK",
		"SystemCallFilter":        "@system-service", "SystemCallArchitectures": "native",
		"SystemCallErrorNumber": "EPERM", "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes",
		"RestrictRealtime": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes",
		"ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
		"ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes", "UMask": "0077",
		"Restart": "on-failure", "WantedBy": "multi-user.target",
	} {
		if !slices.Contains(directives[k], want) {
			t.Errorf("%s=%q missing (have %q)", k, want, directives[k])
		}
	}

	analyze := needTool(t, "systemd-analyze", "systemd")
	// verify checks that ExecStart exists: point it at an executable here.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "hearth.service")
	local := strings.Replace(unit, "ExecStart=/usr/bin/hearth ", "ExecStart="+self+" ", 1)
	if err := os.WriteFile(copyPath, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", "--man=no", copyPath).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		// verify exits 0 on some warnings; any output is a finding.
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	out, err = exec.CommandContext(ctx, analyze, "security", "--offline=true", "--no-pager", unitPath).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for hearth\.service: (\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security exposure: %.1f", score)
	if score > 2.0 {
		t.Errorf("exposure %.1f, want ≤ 2.0 (the unit was 1.3):\n%s", score, out)
	}
}
