// Package onvif is a small ONVIF client: the device and media services a
// recorder needs to find a camera's streams (GetSystemDateAndTime,
// GetDeviceInformation, GetCapabilities, GetServices, GetProfiles,
// GetStreamUri) and WS-Discovery. It speaks SOAP 1.2 over HTTP with the
// standard library and authenticates with a WS-Security UsernameToken
// (PasswordDigest), stamped with the device's clock so a camera whose time
// is off still accepts it. It knows nothing of users or households.
//
// Hostile answers are bounded: every body is read to at most MaxBody
// bytes, and XML is checked for nesting depth and token count before it is
// decoded (encoding/xml expands no external entities; it only needs
// bounds). Credentials go to the host the client was given and nowhere
// else: service addresses a device reports are taken for their path only,
// and HTTP redirects are not followed.
package onvif
