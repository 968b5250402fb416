// Package ui is Hearth's HTTP face: the server, its middleware (request IDs,
// access log, security headers, cross-origin protection, body limits), the
// JSON API and the server-rendered templ pages (views/) with their small
// ES modules (static/js/): live grid, camera timeline, events, settings.
//
// Every route is registered with the policy that guards it (see router.go):
// a handler for a camera route receives an nvr.CameraGrant and cannot be
// reached without one. A route registered without a policy answers 404 to
// everyone, and the route sweep test fails on it. Pages use the same
// policies through the page variants (router_pages.go), which send a
// browser without a session to /login and render one 404 page for
// "missing" and "not yours".
package ui
