package nvr

// Exported for the black-box tests in package nvr_test, so the table test
// can check the pure decision function and the Policy against one spec.

// DecideCamera is decideCamera.
var DecideCamera = decideCamera

// DecideHousehold is decideHousehold.
var DecideHousehold = decideHousehold

// DecideAdmin is decideAdmin.
var DecideAdmin = decideAdmin
