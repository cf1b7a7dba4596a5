package bfcl

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("VehicleControlAPI", func() Class { return newVehicleControl() }) }

// vehicleDefaultState is VehicleControlAPI's DEFAULT_STATE (the scenario names engine_state
// engineState, and the two private forces and the slope parkingBrakeForce, brakePedalForce
// and slopeAngle).
const vehicleDefaultState = `{
 "random_seed": 141053,
 "fuelLevel": 0.0,
 "batteryVoltage": 12.6,
 "engineState": "stopped",
 "remainingUnlockedDoors": 4,
 "doorStatus": {"driver": "unlocked", "passenger": "unlocked", "rear_left": "unlocked", "rear_right": "unlocked"},
 "acTemperature": 25.0,
 "fanSpeed": 50,
 "acMode": "auto",
 "humidityLevel": 50.0,
 "headLightStatus": "off",
 "parkingBrakeStatus": "released",
 "parkingBrakeForce": 0.0,
 "slopeAngle": 0.0,
 "brakePedalStatus": "released",
 "brakePedalForce": 0.0,
 "distanceToNextVehicle": 50.0,
 "cruiseStatus": "inactive",
 "destination": "None",
 "frontLeftTirePressure": 32.0,
 "frontRightTirePressure": 32.0,
 "rearLeftTirePressure": 30.0,
 "rearRightTirePressure": 30.0
}`

// vehicleAttributes are the public attributes, by Python name, with the scenario key each is
// loaded from.
var vehicleAttributes = [][2]string{
	{"fuelLevel", "fuelLevel"}, {"batteryVoltage", "batteryVoltage"}, {"engine_state", "engineState"},
	{"remainingUnlockedDoors", "remainingUnlockedDoors"}, {"doorStatus", "doorStatus"},
	{"acTemperature", "acTemperature"}, {"fanSpeed", "fanSpeed"}, {"acMode", "acMode"},
	{"humidityLevel", "humidityLevel"}, {"headLightStatus", "headLightStatus"},
	{"parkingBrakeStatus", "parkingBrakeStatus"}, {"brakePedalStatus", "brakePedalStatus"},
	{"distanceToNextVehicle", "distanceToNextVehicle"}, {"cruiseStatus", "cruiseStatus"},
	{"destination", "destination"}, {"frontLeftTirePressure", "frontLeftTirePressure"},
	{"frontRightTirePressure", "frontRightTirePressure"}, {"rearLeftTirePressure", "rearLeftTirePressure"},
	{"rearRightTirePressure", "rearRightTirePressure"},
}

// vehicleDistances are estimate_distance's known zip-code pairs (either order), in km.
var vehicleDistances = []struct {
	a, b     string
	distance float64
}{
	{"83214", "74532", 750.0}, {"56108", "62947", 320.0}, {"71354", "83462", 450.0},
	{"47329", "52013", 290.0}, {"69238", "51479", 630.0}, {"94016", "83214", 980.0},
	{"94016", "94704", 600.0}, {"94704", "08540", 2550.0}, {"94016", "08540", 1950.0},
	{"62947", "47329", 1053.0}, {"94016", "62947", 780.0}, {"74532", "94016", 880.0},
}

// vehicleZipcodes is get_zipcode_based_on_city's table.
var vehicleZipcodes = map[string]string{
	"Rivermist": "83214", "Stonebrook": "74532", "Maplecrest": "56108", "Silverpine": "62947",
	"Shadowridge": "71354", "Sunset Valley": "83462", "Oakendale": "47329", "Willowbend": "52013",
	"Crescent Hollow": "69238", "Autumnville": "51479", "San Francisco": "94016",
}

// vehicleControl is BFCL's VehicleControlAPI: engine, doors, climate, lights, brakes, cruise
// control and navigation of a simulated car. Its public state is the attributes listed in
// vehicleAttributes (by their Python names) and long_context; the parking brake force, slope
// angle and brake pedal force are private.
type vehicleControl struct {
	attrs             map[string]any
	parkingBrakeForce any
	slopeAngle        any
	brakePedalForce   any
	longContext       bool
	random            *pyRandom
	methods           pyMethods
}

func newVehicleControl() *vehicleControl {
	v := &vehicleControl{}
	v.methods = pyMethods{
		"startEngine":                              {[]param{req("ignitionMode")}, v.startEngine},
		"fillFuelTank":                             {[]param{req("fuelAmount")}, v.fillFuelTank},
		"lockDoors":                                {[]param{req("unlock"), req("door")}, v.lockDoors},
		"adjustClimateControl":                     {[]param{req("temperature"), opt("unit", "celsius"), opt("fanSpeed", 50), opt("mode", "auto")}, v.adjustClimate},
		"get_outside_temperature_from_google":      {nil, v.temperatureGoogle},
		"get_outside_temperature_from_weather_com": {nil, v.temperatureWeatherCom},
		"setHeadlights":                            {[]param{req("mode")}, v.setHeadlights},
		"displayCarStatus":                         {[]param{req("option")}, v.displayCarStatus},
		"activateParkingBrake":                     {[]param{req("mode")}, v.activateParkingBrake},
		"pressBrakePedal":                          {[]param{req("pedalPosition")}, v.pressBrakePedal},
		"releaseBrakePedal":                        {nil, v.releaseBrakePedal},
		"setCruiseControl":                         {[]param{req("speed"), req("activate"), req("distanceToNextVehicle")}, v.setCruiseControl},
		"get_current_speed":                        {nil, v.currentSpeed},
		"display_log":                              {[]param{req("messages")}, v.displayLog},
		"estimate_drive_feasibility_by_mileage":    {[]param{req("distance")}, v.driveFeasibility},
		"liter_to_gallon":                          {[]param{req("liter")}, v.literToGallon},
		"gallon_to_liter":                          {[]param{req("gallon")}, v.gallonToLiter},
		"estimate_distance":                        {[]param{req("cityA"), req("cityB")}, v.estimateDistance},
		"get_zipcode_based_on_city":                {[]param{req("city")}, v.zipcode},
		"set_navigation":                           {[]param{req("destination")}, v.setNavigation},
		"check_tire_pressure":                      {nil, v.checkTirePressure},
		"find_nearest_tire_shop":                   {nil, v.nearestTireShop},
	}
	if err := v.Load(nil, false); err != nil {
		panic(err)
	}
	return v
}

// Load sets the state from the scenario over DEFAULT_STATE; remainingUnlockedDoors is then
// recomputed as 4 minus the locked doors, as the Python does.
func (v *vehicleControl) Load(scenario json.RawMessage, longContext bool) error {
	s, err := loadScenario("VehicleControlAPI", scenario)
	if err != nil {
		return err
	}
	defV, err := decodePy([]byte(vehicleDefaultState))
	if err != nil {
		return err
	}
	def := defV.(*pyDict)
	get := func(k string) any { d, _ := def.get(k); return scenarioGet(s, k, d) }
	seed, ok := get("random_seed").(int)
	if !ok {
		return fmt.Errorf("bfcl: VehicleControlAPI scenario: random_seed is not an integer")
	}
	v.random = newPyRandom(seed)
	v.attrs = map[string]any{}
	for _, a := range vehicleAttributes {
		v.attrs[a[0]] = get(a[1])
	}
	doors, ok := v.attrs["doorStatus"].(*pyDict)
	if !ok {
		return fmt.Errorf("bfcl: VehicleControlAPI scenario: doorStatus is not an object")
	}
	locked := 0
	for _, k := range doors.keys {
		if st, _ := doors.get(k); pyEq(st, "locked") {
			locked++
		}
	}
	v.attrs["remainingUnlockedDoors"] = 4 - locked
	v.parkingBrakeForce = get("parkingBrakeForce")
	v.slopeAngle = get("slopeAngle")
	v.brakePedalForce = get("brakePedalForce")
	v.longContext = longContext
	return nil
}

// Call runs a VehicleControlAPI method.
func (v *vehicleControl) Call(name string, args map[string]any) (any, error) {
	return v.methods.call("VehicleControlAPI", name, args)
}

// Methods lists VehicleControlAPI's public methods.
func (v *vehicleControl) Methods() []string { return v.methods.methodNames() }

// Params lists a VehicleControlAPI method's parameters in signature order (positional arguments bind to
// them in this order); nil for an unknown method.
func (v *vehicleControl) Params(method string) []string { return v.methods.paramNames(method) }

// State returns VehicleControlAPI's public attributes.
func (v *vehicleControl) State() map[string]any {
	out := map[string]any{"long_context": v.longContext}
	for k, a := range v.attrs {
		out[k] = pyPlain(a)
	}
	return out
}

func (v *vehicleControl) doors() (*pyDict, error) {
	d, ok := v.attrs["doorStatus"].(*pyDict)
	if !ok {
		return nil, fmt.Errorf("'%s' object has no attribute 'items'", pyTypeName(v.attrs["doorStatus"]))
	}
	return d, nil
}

func (v *vehicleControl) startEngine(a map[string]any) (any, error) {
	mode := a["ignitionMode"]
	if pyEq(mode, "STOP") {
		v.attrs["engine_state"] = "stopped"
	}
	if gt, err := pyGreater(v.attrs["remainingUnlockedDoors"], 0); err != nil || gt {
		if err != nil {
			return nil, err
		}
		doors, err := v.doors()
		if err != nil {
			return nil, err
		}
		var unlocked []string
		for _, k := range doors.keys {
			if st, _ := doors.get(k); pyEq(st, "unlocked") {
				unlocked = append(unlocked, pycall.Str(k))
			}
		}
		return dictOf("error", "All doors must be locked before starting the engine. Here are the unlocked doors: "+strings.Join(unlocked, ", ")), nil
	}
	if !pyEq(v.attrs["brakePedalStatus"], "pressed") {
		return dictOf("error", "Brake pedal needs to be pressed when starting the engine."), nil
	}
	if !pyEq(v.brakePedalForce, 1000.0) {
		return dictOf("error", "Must press the brake fully before starting the engine."), nil
	}
	if lt, err := pyLess(v.attrs["fuelLevel"], 0.0); err != nil || lt {
		if err != nil {
			return nil, err
		}
		return dictOf("error", "Fuel tank is empty."), nil
	}
	if !pyEq(mode, "START") {
		return dictOf("error", "Invalid ignition mode."), nil
	}
	v.attrs["engine_state"] = "running"
	return dictOf("engineState", v.attrs["engine_state"], "fuelLevel", v.attrs["fuelLevel"], "batteryVoltage", v.attrs["batteryVoltage"]), nil
}

func (v *vehicleControl) fillFuelTank(a map[string]any) (any, error) {
	amount := a["fuelAmount"]
	if lt, err := pyLess(amount, 0); err != nil || lt {
		if err != nil {
			return nil, err
		}
		return dictOf("error", "Fuel amount cannot be negative."), nil
	}
	sum, err := pyArith("+", v.attrs["fuelLevel"], amount)
	if err != nil {
		return nil, err
	}
	if gt, _ := pyGreater(sum, 50); gt {
		return dictOf("error", "Cannot fill gas above the tank capacity."), nil
	}
	if lt, _ := pyLess(sum, 0.0); lt {
		return dictOf("error", "Fuel tank is empty. Min fuel level is 0 gallons."), nil
	}
	v.attrs["fuelLevel"] = sum
	return dictOf("fuelLevel", sum), nil
}

func (v *vehicleControl) lockDoors(a map[string]any) (any, error) {
	unlock := pyTruth(a["unlock"])
	doorList, err := pyIter(a["door"])
	if err != nil {
		return nil, err
	}
	doors, err := v.doors()
	if err != nil {
		return nil, err
	}
	want, step := "locked", -1
	if unlock {
		want, step = "unlocked", 1
	}
	for _, d := range doorList {
		st, err := doors.item(d)
		if err != nil {
			return nil, err
		}
		if pyEq(st, want) {
			continue
		}
		doors.set(d, want)
		n, err := pyArith("+", v.attrs["remainingUnlockedDoors"], step)
		if err != nil {
			return nil, err
		}
		v.attrs["remainingUnlockedDoors"] = n
	}
	return dictOf("lockStatus", want, "remainingUnlockedDoors", v.attrs["remainingUnlockedDoors"]), nil
}

func (v *vehicleControl) adjustClimate(a map[string]any) (any, error) {
	temp, fan, mode := a["temperature"], a["fanSpeed"], a["mode"]
	ge, err := pyGreaterEq(fan, 0)
	if err != nil {
		return nil, err
	}
	le := false
	if ge {
		if le, err = pyLessEq(fan, 100); err != nil {
			return nil, err
		}
	}
	if !ge || !le {
		return dictOf("error", "Fan speed must be between 0 and 100."), nil
	}
	v.attrs["acTemperature"] = temp
	if pyEq(a["unit"], "fahrenheit") {
		d, err := pyArith("-", temp, 32)
		if err != nil {
			return nil, err
		}
		if d, err = pyArith("*", d, 5); err != nil {
			return nil, err
		}
		if d, err = pyArith("/", d, 9); err != nil {
			return nil, err
		}
		v.attrs["acTemperature"] = d
	}
	v.attrs["fanSpeed"] = fan
	v.attrs["acMode"] = mode
	return dictOf("currentACTemperature", temp, "climateMode", mode, "humidityLevel", v.attrs["humidityLevel"]), nil
}

func (v *vehicleControl) temperatureGoogle(map[string]any) (any, error) {
	t := v.random.uniform(-10.0, 40.0)
	if v.longContext {
		ext := filler("LONG_WEATHER_EXTENSION").(*pyDict)
		ext.set("outsideTemperature", t)
		return ext, nil
	}
	return dictOf("outsideTemperature", t), nil
}

func (v *vehicleControl) temperatureWeatherCom(map[string]any) (any, error) {
	return dictOf("error", 404), nil
}

func (v *vehicleControl) setHeadlights(a map[string]any) (any, error) {
	mode := a["mode"]
	if !pyEq(mode, "on") && !pyEq(mode, "off") && !pyEq(mode, "auto") {
		return dictOf("error", "Invalid headlight mode."), nil
	}
	status := "off"
	if pyEq(mode, "on") {
		status = "on"
	}
	v.attrs["headLightStatus"] = status
	return dictOf("headlightStatus", status), nil
}

func (v *vehicleControl) displayCarStatus(a map[string]any) (any, error) {
	st := newPyDict()
	if v.longContext {
		st.set("metadata", filler("CAR_STATUS_METADATA_EXTENSION"))
	}
	set := func(kv ...any) {
		for i := 0; i+1 < len(kv); i += 2 {
			st.set(kv[i], kv[i+1])
		}
	}
	opt, _ := a["option"].(string)
	if _, isStr := a["option"].(string); !isStr {
		opt = "\x00"
	}
	switch opt {
	case "fuel":
		set("fuelLevel", v.attrs["fuelLevel"])
	case "battery":
		set("batteryVoltage", v.attrs["batteryVoltage"])
	case "doors":
		set("doorStatus", v.attrs["doorStatus"])
	case "climate":
		set("currentACTemperature", v.attrs["acTemperature"], "fanSpeed", v.attrs["fanSpeed"],
			"climateMode", v.attrs["acMode"], "humidityLevel", v.attrs["humidityLevel"])
	case "headlights":
		set("headlightStatus", v.attrs["headLightStatus"])
	case "parkingBrake":
		set("parkingBrakeStatus", v.attrs["parkingBrakeStatus"], "parkingBrakeForce", v.parkingBrakeForce, "slopeAngle", v.slopeAngle)
	case "brakePedal":
		set("brakePedalStatus", v.attrs["brakePedalStatus"], "brakePedalForce", v.brakePedalForce)
	case "engine":
		set("engineState", v.attrs["engine_state"])
	default:
		set("error", "Invalid option")
	}
	return st, nil
}

func (v *vehicleControl) activateParkingBrake(a map[string]any) (any, error) {
	mode := a["mode"]
	var status string
	var force float64
	switch {
	case pyEq(mode, "engage"):
		status, force = "engaged", 500.0
	case pyEq(mode, "release"):
		status, force = "released", 0.0
	default:
		return dictOf("error", "Invalid mode"), nil
	}
	v.attrs["parkingBrakeStatus"] = status
	v.parkingBrakeForce = force
	v.slopeAngle = 10.0
	out := newPyDict()
	if v.longContext {
		out.set("parkingBrakeInstruction", filler("PARKING_BRAKE_INSTRUCTION"))
	}
	out.set("parkingBrakeStatus", status)
	out.set("_parkingBrakeForce", force)
	out.set("_slopeAngle", 10.0)
	return out, nil
}

func (v *vehicleControl) pressBrakePedal(a map[string]any) (any, error) {
	p := a["pedalPosition"]
	ge, err := pyLessEq(0, p)
	if err != nil {
		return nil, err
	}
	le := false
	if ge {
		if le, err = pyLessEq(p, 1); err != nil {
			return nil, err
		}
	}
	if !ge || !le {
		return dictOf("error", "Pedal position must be between 0 and 1."), nil
	}
	if pyEq(p, 0) {
		v.attrs["brakePedalStatus"] = "released"
		v.brakePedalForce = 0.0
		return dictOf("brakePedalStatus", "released", "brakePedalForce", 0.0), nil
	}
	force, err := pyArith("*", p, 1000)
	if err != nil {
		return nil, err
	}
	v.attrs["brakePedalStatus"] = "pressed"
	v.brakePedalForce = force
	f, _ := pyFloat(force)
	return dictOf("brakePedalStatus", "pressed", "brakePedalForce", f), nil
}

func (v *vehicleControl) releaseBrakePedal(map[string]any) (any, error) {
	v.attrs["brakePedalStatus"] = "released"
	v.brakePedalForce = 0.0
	return dictOf("brakePedalStatus", "released", "brakePedalForce", 0.0), nil
}

func (v *vehicleControl) setCruiseControl(a map[string]any) (any, error) {
	distance, err := pyFloat(a["distanceToNextVehicle"])
	if err != nil {
		return nil, err
	}
	speed, err := pyFloat(a["speed"])
	if err != nil {
		return nil, err
	}
	if pyEq(v.attrs["engine_state"], "stopped") {
		return dictOf("error", "Start the engine before activating the cruise control."), nil
	}
	v.attrs["distanceToNextVehicle"] = distance
	if pyTruth(a["activate"]) {
		if speed < 0 || speed > 120 || math.Mod(speed, 5) != 0 {
			return dictOf("error", "Invalid speed"), nil
		}
		v.attrs["cruiseStatus"] = "active"
		return dictOf("cruiseStatus", "active", "currentSpeed", speed, "distanceToNextVehicle", distance), nil
	}
	v.attrs["cruiseStatus"] = "inactive"
	return dictOf("cruiseStatus", "inactive", "currentSpeed", speed, "distanceToNextVehicle", distance), nil
}

func (v *vehicleControl) currentSpeed(map[string]any) (any, error) {
	return dictOf("currentSpeed", v.random.uniform(0.0, 120.0)), nil
}

func (v *vehicleControl) displayLog(a map[string]any) (any, error) {
	return dictOf("log", a["messages"]), nil
}

func (v *vehicleControl) driveFeasibility(a map[string]any) (any, error) {
	reach, err := pyArith("*", v.attrs["fuelLevel"], 20.0)
	if err != nil {
		return nil, err
	}
	lt, err := pyLess(reach, a["distance"])
	if err != nil {
		return nil, err
	}
	return dictOf("canDrive", !lt), nil
}

func (v *vehicleControl) literToGallon(a map[string]any) (any, error) {
	g, err := pyArith("*", a["liter"], 0.264172)
	if err != nil {
		return nil, err
	}
	return dictOf("gallon", g), nil
}

func (v *vehicleControl) gallonToLiter(a map[string]any) (any, error) {
	l, err := pyArith("*", a["gallon"], 3.78541)
	if err != nil {
		return nil, err
	}
	return dictOf("liter", l), nil
}

func (v *vehicleControl) estimateDistance(a map[string]any) (any, error) {
	x, y := a["cityA"], a["cityB"]
	out := dictOf("error", "distance not found in database.")
	for _, d := range vehicleDistances {
		if (pyEq(x, d.a) && pyEq(y, d.b)) || (pyEq(x, d.b) && pyEq(y, d.a)) {
			out = dictOf("distance", d.distance)
			break
		}
	}
	if v.longContext {
		out.set("intermediaryCities", filler("INTERMEDIARY_CITIES"))
	}
	return out, nil
}

func (v *vehicleControl) zipcode(a map[string]any) (any, error) {
	if city, ok := a["city"].(string); ok {
		if z, ok := vehicleZipcodes[city]; ok {
			return dictOf("zipcode", z), nil
		}
	}
	return dictOf("zipcode", "00000"), nil
}

func (v *vehicleControl) setNavigation(a map[string]any) (any, error) {
	dest := a["destination"]
	v.attrs["destination"] = dest
	msg, err := pyArith("+", "Navigating to ", dest)
	if err != nil {
		return nil, err
	}
	return dictOf("status", msg), nil
}

func (v *vehicleControl) checkTirePressure(map[string]any) (any, error) {
	var sum any = 0
	var err error
	for _, k := range []string{"frontLeftTirePressure", "frontRightTirePressure", "rearLeftTirePressure", "rearRightTirePressure"} {
		if sum, err = pyArith("+", sum, v.attrs[k]); err != nil {
			return nil, err
		}
	}
	avg, err := pyArith("/", sum, 4)
	if err != nil {
		return nil, err
	}
	lo, _ := pyLessEq(30, avg)
	hi, _ := pyLessEq(avg, 35)
	out := dictOf(
		"frontLeftTirePressure", v.attrs["frontLeftTirePressure"],
		"frontRightTirePressure", v.attrs["frontRightTirePressure"],
		"rearLeftTirePressure", v.attrs["rearLeftTirePressure"],
		"rearRightTirePressure", v.attrs["rearRightTirePressure"],
		"healthy_tire_pressure", lo && hi,
		"car_info", newPyDict(),
	)
	if v.longContext {
		out.set("car_info", filler("CAR_STATUS_METADATA_EXTENSION"))
	}
	return out, nil
}

func (v *vehicleControl) nearestTireShop(map[string]any) (any, error) {
	return dictOf("shopLocation", "456 Oakwood Avenue, Rivermist, 83214"), nil
}
