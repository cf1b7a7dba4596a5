package reports

// Tee returns a Report that adds what it is given to every report of reps, and lays out and
// groups its rows as the first: one reading of the runs for several reports (a table and the
// figures of `realx report --plots`).
func Tee(reps ...Report) Report { return tee(reps) }

type tee []Report

// AddRun adds run's column to every report.
func (t tee) AddRun(run string) {
	for _, r := range t {
		r.AddRun(run)
	}
}

// Expect says what run should have to every report.
func (t tee) Expect(run string, e *Expected) {
	for _, r := range t {
		r.Expect(run, e)
	}
}

// Add counts r in every report.
func (t tee) Add(run string, r *Result) {
	for _, rep := range t {
		rep.Add(run, r)
	}
}

// Note adds a note to every report.
func (t tee) Note(text string) {
	for _, r := range t {
		r.Note(text)
	}
}

// Layout returns the first report's layout.
func (t tee) Layout() Layout { return t[0].Layout() }

// By returns the field the first report groups its rows by, "" when it has none.
func (t tee) By() string {
	if g, ok := t[0].(interface{ By() string }); ok {
		return g.By()
	}
	return ""
}
