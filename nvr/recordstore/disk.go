package recordstore

import "syscall"

// DiskSpace is the size of a filesystem, in bytes.
type DiskSpace struct {
	TotalBytes int64 // size
	FreeBytes  int64 // available to Hearth (not counting root's reserve)
	UsedBytes  int64 // in use by anything
}

// StatDisk measures the filesystem holding dir with statfs(2).
func StatDisk(dir string) (DiskSpace, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return DiskSpace{}, err
	}
	bs := int64(st.Bsize)
	return DiskSpace{
		TotalBytes: int64(st.Blocks) * bs,
		FreeBytes:  int64(st.Bavail) * bs,
		UsedBytes:  int64(st.Blocks-st.Bfree) * bs,
	}, nil
}
