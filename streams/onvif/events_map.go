package onvif

import "strings"

// Detection kinds a notification can map to.
const (
	KindMotion       = "motion"
	KindPerson       = "person"
	KindVehicle      = "vehicle"
	KindAnimal       = "animal"
	KindLineCrossing = "line-crossing"
	KindTamper       = "tamper"
)

// Detection is what a camera's notification means to a recorder.
type Detection struct {
	Kind string // one of the Kind constants
	// Active is true when the condition starts (or, for an instant event
	// such as a line crossing, happens), false when it ends.
	Active bool
	// Instant marks events without an end (line crossing).
	Instant bool
	// Label is a short human text: the rule's name when the camera gives one.
	Label string
}

// topicKinds maps topic fragments (lower case, matched as substrings of
// the topic without namespace prefixes) to kinds, most specific first.
// They are the topics common firmware raises: the ONVIF profile's
// CellMotionDetector and MotionAlarm; Hikvision's LineDetector,
// FieldDetector and tamper; Dahua's and Reolink's MyRuleDetector
// PeopleDetect/VehicleDetect/DogCatDetect; Axis's VideoSource tampering
// and object analytics; Uniview's and Amcrest's Human/Vehicle rules.
var topicKinds = []struct{ frag, kind string }{
	{"linedetector", KindLineCrossing},
	{"linecross", KindLineCrossing},
	{"crossed", KindLineCrossing},
	{"tripwire", KindLineCrossing},
	{"tamper", KindTamper},
	{"globalscenechange", KindTamper},
	{"imagetoodark", KindTamper},
	{"imagetooblurry", KindTamper},
	{"peopledetect", KindPerson},
	{"persondetect", KindPerson},
	{"humandetect", KindPerson},
	{"facedetect", KindPerson},
	{"/human", KindPerson},
	{"/people", KindPerson},
	{"/person", KindPerson},
	{"vehicledetect", KindVehicle},
	{"/vehicle", KindVehicle},
	{"/car", KindVehicle},
	{"dogcatdetect", KindAnimal},
	{"animaldetect", KindAnimal},
	{"/animal", KindAnimal},
	{"/pet", KindAnimal},
	{"motion", KindMotion},
	{"fielddetector", KindMotion},
}

// objectKinds maps an ObjectType/ClassTypes data value to a kind (Axis
// object analytics, generic analytics rules).
var objectKinds = map[string]string{
	"human": KindPerson, "person": KindPerson, "face": KindPerson,
	"vehicle": KindVehicle, "car": KindVehicle, "truck": KindVehicle, "bus": KindVehicle, "bike": KindVehicle, "motorcycle": KindVehicle,
	"animal": KindAnimal, "dog": KindAnimal, "cat": KindAnimal,
}

// stateItems are the data items that carry a condition's state.
var stateItems = []string{"State", "IsMotion", "IsInside", "IsTamper", "Active", "LogicalState", "Value"}

// Classify maps a notification to a detection; ok is false for topics
// that say nothing a recorder uses (a configuration change, a
// heartbeat), and for an Initialized message, which reports a state, not
// a change.
func Classify(n Notification) (d Detection, ok bool) {
	topic := strings.ToLower(n.Topic)
	for _, tk := range topicKinds {
		if strings.Contains(topic, tk.frag) {
			d.Kind = tk.kind
			break
		}
	}
	for _, k := range []string{"ObjectType", "ClassTypes", "Object"} {
		if v, ok := objectKinds[strings.ToLower(strings.TrimSpace(n.Data[k]))]; ok {
			d.Kind = v
		}
	}
	if d.Kind == "" || strings.EqualFold(n.Operation, "Initialized") {
		return Detection{}, false
	}
	d.Instant = d.Kind == KindLineCrossing
	d.Active = d.Instant
	for _, k := range stateItems {
		if v, found := n.Data[k]; found {
			v = strings.ToLower(strings.TrimSpace(v))
			d.Active = v == "true" || v == "1" || v == "active" || v == "on"
			break
		}
	}
	if d.Instant {
		d.Active = true // a crossing has no end: its item, if any, names a direction
	}
	for _, k := range []string{"Rule", "RuleName", "Name"} {
		if v := n.Source[k]; v != "" {
			d.Label = truncate(v, 64)
			break
		}
	}
	return d, true
}
