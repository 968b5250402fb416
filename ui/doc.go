// Package ui is Hearth's HTTP face: the server, its middleware (request IDs,
// access log, security headers, cross-origin protection, body limits), the
// JSON API and, later, the templ pages.
//
// Every route is registered with the policy that guards it (see router.go):
// a handler for a camera route receives an nvr.CameraGrant and cannot be
// reached without one. A route registered without a policy answers 404 to
// everyone, and the route sweep test fails on it.
package ui
