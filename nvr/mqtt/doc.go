// Package mqtt tells a household's Home Assistant about its cameras over
// MQTT: availability, each camera's measured state, events as they open
// and close, the latest event's thumbnail, and Home Assistant discovery
// configs; it takes recording-switch and trigger commands back.
//
// It speaks for an integration (nvr.Integration): a household's topic
// prefix and the token whose principal the policy decides for. Every
// publish and every command is decided at the moment it happens, by the
// policy, for that principal (ARCHITECTURE.md, invariant 9); nothing is
// sent from a list of cameras kept from an earlier pass. Each integration
// has its own broker connection, so its last will (offline) is its own.
//
// A broker outage never reaches recording or events: the events hooks
// hand off to a bounded queue (dropping with a count when full), and
// nothing is buffered for a broker that is away; on reconnect the state
// is published afresh.
package mqtt
