package db

import "github.com/hearthnvr/hearth/nvr"

// Exported for the black-box tests in package db_test.

// FragmentBlob encodes frags as the fragments column of a segment that
// starts at startNs, for the benchmark's bulk load.
func FragmentBlob(startNs int64, frags []nvr.Fragment) ([]byte, error) {
	b, _, err := appendFragments(nil, blobState{endNs: startNs}, startNs, frags)
	return b, err
}
