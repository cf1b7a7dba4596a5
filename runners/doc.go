// Package runners puts samples to models: the OpenAI-compatible client, image preparation, the
// agent loop and its protocols, the bounded scheduler, and the recording and replay of a model's
// replies (Recorder, Replay). Tools live in runners/tools. It grades nothing and writes no
// results: callers get a Trajectory per sample.
package runners
