package nvr

// Action is something a principal may do. Camera actions are decided per
// camera; household and appliance actions per household or globally.
type Action uint8

// Actions.
const (
	ActionViewCamera      Action = iota + 1 // see a camera's name and status
	ActionViewLive                          // watch live video (media)
	ActionViewRecordings                    // recordings, events, clips, thumbnails (media)
	ActionTriggerEvent                      // create an event from outside (doorbell, automation)
	ActionManageCamera                      // change or remove a camera's configuration
	ActionManageHousehold                   // manage a household's people and cameras
	ActionAdminister                        // manage households and accounts of the appliance
	ActionDeleteEvents                      // delete a camera's events (household owners only)
	ActionPinEvents                         // pin or unpin a camera's events (owners and members)
	ActionSwitchShutter                     // close or open a camera's privacy shutter, set its schedule (owners and members)
	ActionControlPTZ                        // pan, tilt, zoom a camera and go to its presets (owners and members)
)

// Actions lists every action, for table tests and route sweeps.
func Actions() []Action {
	return []Action{ActionViewCamera, ActionViewLive, ActionViewRecordings, ActionTriggerEvent,
		ActionManageCamera, ActionManageHousehold, ActionAdminister, ActionDeleteEvents, ActionPinEvents,
		ActionSwitchShutter, ActionControlPTZ}
}

func (a Action) String() string {
	switch a {
	case ActionViewCamera:
		return "view-camera"
	case ActionViewLive:
		return "view-live"
	case ActionViewRecordings:
		return "view-recordings"
	case ActionTriggerEvent:
		return "trigger-event"
	case ActionManageCamera:
		return "manage-camera"
	case ActionManageHousehold:
		return "manage-household"
	case ActionAdminister:
		return "administer"
	case ActionDeleteEvents:
		return "delete-events"
	case ActionPinEvents:
		return "pin-events"
	case ActionSwitchShutter:
		return "switch-shutter"
	case ActionControlPTZ:
		return "control-ptz"
	}
	return "unknown"
}

// IsMedia reports whether the action hands out video or pictures; every
// granted media action is written to the audit log.
func (a Action) IsMedia() bool { return a == ActionViewLive || a == ActionViewRecordings }

// allowedByScope reports whether a token scope permits the action at all.
func allowedByScope(s TokenScope, a Action) bool {
	switch s {
	case ScopeAll:
		return true
	case ScopeView:
		return a == ActionViewCamera || a == ActionViewLive || a == ActionViewRecordings
	case ScopeTrigger:
		return a == ActionViewCamera || a == ActionTriggerEvent
	case ScopeMQTT:
		// Home Assistant's switches: recording (manage) and the privacy
		// shutter (presence automations close it when someone comes home).
		return a == ActionViewCamera || a == ActionViewRecordings || a == ActionTriggerEvent || a == ActionManageCamera ||
			a == ActionSwitchShutter
	}
	return false
}
