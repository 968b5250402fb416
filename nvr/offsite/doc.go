// Package offsite copies each household's footage to its off-site target
// as the recorder writes it, encrypted with age to the household's own
// public key, and rebuilds playable MP4s from a target with the private key
// alone (Restore).
//
// The recorder tells the Copier of every durable, indexed fragment
// (nvr.FragmentSink); the Copier never makes it wait: notices coalesce per
// segment in a bounded table, and one worker reads the fragment bytes back
// from the local file and sends them. A slow, full or absent target leaves
// the local recording as it is; its backlog and error show in Status.
//
// Layout on the target (every file is a complete age file, so `age -d -i
// KEY FILE` decrypts any one of them alone):
//
//	<camera-id>/<segment>/init.mp4.age       the segment's init (ftyp + moov)
//	<camera-id>/<segment>/000001.m4s.age     fragment 1 (prft + moof + mdat)
//	<camera-id>/<segment>/index.json.age     the segment's time index
//
// Each file is written under a temporary name and renamed when whole, so a
// reader never sees half a file; a fragment is written before the index
// that names it, so the index never points past the fragments.
package offsite
