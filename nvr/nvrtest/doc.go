// Package nvrtest holds the test doubles that more than one of nvr's
// subpackages needs (an in-memory recordings index, a policy store whose
// behaviour each test sets), so each is written once. Only tests import
// it; the shipped binary links none of it (cmd's layout test checks).
package nvrtest
