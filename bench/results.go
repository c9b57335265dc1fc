package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ResultsVersion is the version of the results.json layout.
const ResultsVersion = 1

// Results is everything one bench run measured: the record every renderer
// (Markdown, charts, Q7's written answer) reads, and what results.json holds.
type Results struct {
	Version    int               `json:"version"`
	Started    time.Time         `json:"started"`
	Seconds    float64           `json:"seconds"` // wall time of the whole run
	Host       Host              `json:"host"`
	Config     Config            `json:"config"`
	Transports []TransportResult `json:"transports"`
	// Sweep holds bytes per minute against the number of users, when
	// the run was a sweep.
	Sweep []SweepPoint `json:"sweep,omitempty"`
	// PeakRSSBytes is the process's peak resident memory over the whole
	// run (getrusage), all transports together.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// NotMeasured lists the measures this platform lacks, one sentence
	// each ("not measured on windows: peak RSS (getrusage)"); their fields
	// stay zero.
	NotMeasured []string `json:"not_measured,omitempty"`
}

// Host describes the machine of the run.
type Host struct {
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
}

// Config is the load and the assumptions of the run.
type Config struct {
	Users           int     `json:"users"`
	IntervalSeconds float64 `json:"interval_seconds"`
	WarmupSeconds   float64 `json:"warmup_seconds"`
	WindowSeconds   float64 `json:"window_seconds"`
	PayloadBytes    int     `json:"payload_bytes"`
	// Headers is "browser" or "minimal": what HTTP clients send.
	Headers string `json:"headers"`
	// TCPIPHeaderBytes is the size counted per TCP segment for IP and TCP
	// headers (options included), to turn segment counts into bytes.
	TCPIPHeaderBytes int `json:"tcpip_header_bytes"`
	// TCPIPHeaderNote says how TCPIPHeaderBytes was chosen.
	TCPIPHeaderNote string `json:"tcpip_header_note"`
}

// TransportResult is one transport's row: what crossed the wire in the
// measured window, what was delivered and how fast, what it cost, and the
// Q12 model beside it. Byte counts are for the window; the PerMinute fields
// scale them to a minute.
type TransportResult struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Status is "ok", "failed" or "not run"; Reason explains the last two.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Promise is true when the transport promises delivery of every
	// update, so Missing must be zero.
	Promise       bool    `json:"promise"`
	Users         int     `json:"users"`
	WindowSeconds float64 `json:"window_seconds"`

	App       AppBytes  `json:"app"`
	Wire      WireBytes `json:"wire"`
	PerMinute PerMinute `json:"per_minute"`

	Requests    int64 `json:"requests"`    // HTTP requests received in the window
	Connections int64 `json:"connections"` // TCP connections accepted in the window
	Messages    int64 `json:"messages"`    // updates the server wrote in the window

	Updates Updates `json:"updates"`
	Latency Latency `json:"latency"`

	CPUSeconds   float64 `json:"cpu_seconds"`    // process CPU in the window, server and clients
	PeakMemBytes int64   `json:"peak_mem_bytes"` // peak Go runtime memory during this transport

	Model Model `json:"model"`
}

// AppBytes are the bytes of the application protocol (HTTP, WebSocket,
// Engine.IO) counted by the server's connections, as seen by the server:
// In was sent by clients, Out by the server. Headers covers HTTP headers,
// request lines, chunk sizes, WebSocket and Engine.IO framing: everything
// that is not the update's payload. Clients send no updates, so InPayload
// is zero and everything they send is headers (requests, pongs).
type AppBytes struct {
	In         int64 `json:"in"`
	InHeaders  int64 `json:"in_headers"`
	InPayload  int64 `json:"in_payload"`
	Out        int64 `json:"out"`
	OutHeaders int64 `json:"out_headers"`
	OutPayload int64 `json:"out_payload"`
}

// Total is In plus Out.
func (a AppBytes) Total() int64 { return a.In + a.Out }

// WireBytes are what the kernel counted on the server's sockets: segments
// (SYN, FIN and pure ACKs included) and the bytes they carried, plus IP and
// TCP headers at Config.TCPIPHeaderBytes per segment.
type WireBytes struct {
	Available       bool  `json:"available"`
	SegmentsOut     int64 `json:"segments_out"`
	SegmentsIn      int64 `json:"segments_in"`
	DataSegmentsOut int64 `json:"data_segments_out"`
	DataSegmentsIn  int64 `json:"data_segments_in"`
	PureACKs        int64 `json:"pure_acks"` // segments without data, both directions
	Out             int64 `json:"out"`       // TCP payload + headers, server to clients
	In              int64 `json:"in"`        // TCP payload + headers, clients to server
	HeaderBytes     int64 `json:"header_bytes"`
}

// Total is In plus Out.
func (w WireBytes) Total() int64 { return w.In + w.Out }

// PerMinute scales the window's counts to one minute.
type PerMinute struct {
	AppBytes    float64 `json:"app_bytes"`
	AppOut      float64 `json:"app_out"`
	AppIn       float64 `json:"app_in"`
	WireBytes   float64 `json:"wire_bytes"`
	Requests    float64 `json:"requests"`
	Connections float64 `json:"connections"`
}

// Updates compares what was sent with what arrived. An update counts when
// the server sent it inside the window; it is delivered when its user
// received it before the drain ended.
type Updates struct {
	Sent         int64 `json:"sent"`
	Delivered    int64 `json:"delivered"`
	Missing      int64 `json:"missing"`
	Duplicates   int64 `json:"duplicates"`
	ClientErrors int64 `json:"client_errors"`
	// ConnectFailures counts users that never connected.
	ConnectFailures int64 `json:"connect_failures"`
}

// Latency is the delivery latency of the window's updates, from the
// server's send time to the client's receipt, in milliseconds. For short
// polling it is staleness: the age of an update when first seen.
type Latency struct {
	Kind  string  `json:"kind"` // "delivery" or "staleness"
	Count int     `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	// Quantiles are the 0th to 100th percentiles, one per percent, for
	// distribution charts.
	Quantiles []float64 `json:"quantiles_ms,omitempty"`
}

// SweepPoint is one transport at one number of users.
type SweepPoint struct {
	Transport                string  `json:"transport"`
	Users                    int     `json:"users"`
	AppBytesPerMin           float64 `json:"app_bytes_per_min"`
	WireBytesPerMin          float64 `json:"wire_bytes_per_min"`
	ExerciseModelPerMin      float64 `json:"exercise_model_per_min"`
	MeasuredSizesModelPerMin float64 `json:"measured_sizes_model_per_min"`
	Sent                     int64   `json:"sent"`
	Delivered                int64   `json:"delivered"`
	Status                   string  `json:"status"`
}

// Err reports the transports that failed or lost updates they promised
// to deliver, as *TransportError values joined; nil when every transport
// that ran was sound. Transports "not run" are not errors.
func (r *Results) Err() error {
	var errs []error
	for _, t := range r.Transports {
		switch {
		case t.Status == "failed":
			errs = append(errs, &TransportError{Transport: t.Name, Err: errors.New(t.Reason)})
		case t.Promise && t.Updates.Missing > 0:
			errs = append(errs, &TransportError{Transport: t.Name, Err: fmt.Errorf("%d of %d updates missing", t.Updates.Missing, t.Updates.Sent)})
		}
	}
	return errors.Join(errs...)
}

// Transport returns the row of the named transport, or nil.
func (r *Results) Transport(name string) *TransportResult {
	for i := range r.Transports {
		if r.Transports[i].Name == name {
			return &r.Transports[i]
		}
	}
	return nil
}

// LoadLatest reads the results of the most recent run kept under dir:
// dir/latest/results.json, or dir/results.json when dir is a run's own
// directory. Written answers (Q7's table) are generated from it.
func LoadLatest(dir string) (*Results, error) {
	var firstErr error
	for _, p := range []string{filepath.Join(dir, "latest", "results.json"), filepath.Join(dir, "results.json")} {
		b, err := os.ReadFile(p)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		var r Results
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", p, err)
		}
		if r.Version != ResultsVersion {
			return nil, fmt.Errorf("bench: %s: results version %d, want %d (run `rtlab bench` again)", p, r.Version, ResultsVersion)
		}
		return &r, nil
	}
	return nil, fmt.Errorf("bench: no results under %s (run `make bench`): %w", dir, firstErr)
}
