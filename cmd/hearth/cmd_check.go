package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

const checkUsage = "hearth check [--repair] [--data DIR]"

// cmdCheck compares the segment index with the files under
// <data>/recordings and prints every disagreement on its own line (missing
// file, file without row, size or fragment mismatch, torn tail, open
// segment, undecodable init, …). Exit 0 with a summary line when they
// agree, 1 otherwise. --repair fixes what it finds with the recovery
// procedure (docs/storage.md) and checks again; it refuses while hearth
// serve records to the same data directory. Without --repair, check may
// run beside serve: segments being written are then not examined.
func cmdCheck(ctx context.Context, args []string, e env) error {
	flags := newFlags("check", e)
	data := flags.String("data", "./hearth-data", "data directory (database and recordings)")
	repair := flags.Bool("repair", false, "fix every disagreement by the recovery procedure (stop hearth serve first)")
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "usage: %s\n\nVerifies the recording index against the segment files.\n\n", checkUsage)
		flags.PrintDefaults()
	}
	pos, err := parseArgs(flags, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, checkUsage); err != nil {
		return err
	}
	// Never create a data directory or database here: check a real one.
	if fi, err := os.Stat(filepath.Join(*data, databaseFile)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check: no database at %s (is --data right?)", filepath.Join(*data, databaseFile))
	} else if err != nil {
		return fmt.Errorf("check: %w", err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("check: %s is not a file", filepath.Join(*data, databaseFile))
	}
	vol, err := recordstore.CheckVolume(*data)
	if err != nil {
		fmt.Fprintf(e.stdout, "volume %s\n", nvr.ErrorMessage(err))
		return fmt.Errorf("check: %s; nothing else was checked", nvr.ErrorMessage(err))
	}
	a, err := openApp(ctx, *data, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	return runCheck(ctx, e.stdout, a.store, *data, vol, *repair)
}

// runCheck is check after the data directory was opened: it takes the
// recorder lock (or learns that serve is running), checks, and with
// repair, repairs and checks again.
func runCheck(ctx context.Context, w io.Writer, store nvr.RecordingStore, data string, vol recordstore.Volume, repair bool) error {
	unlock, err := recordstore.LockRecordings(data)
	busy := errors.Is(err, recordstore.ErrRecordingsBusy)
	switch {
	case busy && repair:
		return fmt.Errorf("check --repair: %s", nvr.ErrorMessage(err))
	case busy:
		fmt.Fprintln(w, "note: hearth serve is recording; segments being written are not examined")
	case err != nil:
		return fmt.Errorf("check: %w", err)
	default:
		defer unlock()
	}
	rep, err := recordstore.CheckStorage(ctx, store, vol.Dir, recordstore.CheckOptions{Repair: repair, Busy: busy})
	for _, f := range rep.Findings {
		fmt.Fprintln(w, f.String())
	}
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if !repair {
		if n := rep.Problems(); n > 0 {
			fmt.Fprintf(w, "%s: %s\n", checkPlural(n, "problem"), checkSummary(rep))
			return fmt.Errorf("check: %s found; run %q to fix them", checkPlural(n, "problem"), "hearth check --repair --data "+data)
		}
		fmt.Fprintf(w, "ok: index and files agree: %s\n", checkSummary(rep))
		return nil
	}
	again, err := recordstore.CheckStorage(ctx, store, vol.Dir, recordstore.CheckOptions{})
	if err != nil {
		return fmt.Errorf("check after repair: %w", err)
	}
	if n := again.Problems(); n > 0 {
		for _, f := range again.Findings {
			fmt.Fprintln(w, "still: "+f.String())
		}
		return fmt.Errorf("check: %s left after repair (see above; stray files are never touched)", checkPlural(n, "problem"))
	}
	fmt.Fprintf(w, "ok: repaired %s; index and files agree: %s\n", checkPlural(len(rep.Findings), "problem"), checkSummary(again))
	return nil
}

func checkSummary(r recordstore.StorageReport) string {
	return fmt.Sprintf("%s, %s, %s", checkPlural(r.Segments, "segment"), checkPlural(r.Files, "file"), checkBytes(r.Bytes))
}

func checkPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func checkBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
