// Package nvrtest holds the test support that more than one of nvr's
// subpackages needs (a policy store whose behaviour each test sets, the
// local operator's directory changes, simulated camera fleets and feeds),
// so each is written once. A test that needs a store without a fault uses
// a real database instead (db/dbtest), which this package may not import. Only tests import
// it; the shipped binary links none of it (cmd's layout test checks).
package nvrtest
