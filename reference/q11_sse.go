package reference

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

func init() { registerVariants("q11", variantNames(q11Variants), newQ11) }

type q11Faults struct {
	contentType string        // instead of text/event-stream
	interval    time.Duration // instead of 2 s
	noFlush     bool          // events wait in the response buffer
	ignoreLast  bool          // Last-Event-ID is ignored: what was missed is lost
	zeroPrice   bool          // prices can reach 0 and below
}

var q11Variants = map[string]q11Faults{
	"wrong-content-type":   {contentType: "text/plain"},
	"too-fast":             {interval: 500 * time.Millisecond},
	"no-flush":             {noFlush: true},
	"ignore-last-event-id": {ignoreLast: true},
	"zero-price":           {zeroPrice: true},
}

// tick is one price update.
type tick struct {
	Symbol    string  `json:"symbol"`
	Price     float64 `json:"price"`
	Timestamp int64   `json:"timestamp"`
}

// market makes one price update every interval, numbered from 1, and keeps
// the last few so that a client that reconnects with Last-Event-ID gets what
// it missed. All clients see the same market.
type market struct {
	faults   q11Faults
	interval time.Duration
	retry    time.Duration // the retry: it announces
	symbols  []string
	ctl      *StreamControl // the grader's pause and end (Hooks.Streams), nil without

	mu     sync.Mutex
	seq    int
	recent []tick // recent[i] has id seq-len(recent)+1+i
	prices map[string]float64
	subs   map[chan struct{}]struct{}
	stop   chan struct{}
	done   chan struct{}
}

const marketHistory = 64

var symbols = []string{"AAPL", "GOOG", "MSFT", "AMZN", "TSLA"}

func newMarket(f q11Faults, h *Hooks) *market {
	m := &market{faults: f, interval: 2 * time.Second, retry: 2 * time.Second, symbols: symbols,
		ctl: h.streams(), prices: map[string]float64{},
		subs: map[chan struct{}]struct{}{}, stop: make(chan struct{}), done: make(chan struct{})}
	if f.interval > 0 {
		m.interval = f.interval
	}
	if h != nil {
		if h.Interval > 0 {
			m.interval = h.Interval
		}
		if h.Retry > 0 {
			m.retry = h.Retry
		}
		if len(h.Symbols) > 0 {
			m.symbols = h.Symbols
		}
	}
	for i, s := range m.symbols {
		m.prices[s] = 100 + 50*float64(i)
	}
	m.next() // a first price at once, so nobody waits 2 s for the first event
	go m.run()
	return m
}

func (m *market) run() {
	defer close(m.done)
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if m.ctl.gate() == nil { // paused by the grader: no update
				m.next()
			}
		case <-m.stop:
			return
		}
	}
}

// next makes one update and wakes every subscriber.
func (m *market) next() {
	m.mu.Lock()
	sym := m.symbols[rand.IntN(len(m.symbols))]
	p := m.prices[sym] * (1 + (rand.Float64()-0.5)/50)
	if m.faults.zeroPrice {
		p = 0
	}
	p = math.Round(p*100) / 100
	if p <= 0 && !m.faults.zeroPrice {
		p = 0.01
	}
	m.prices[sym] = p
	m.seq++
	m.recent = append(m.recent, tick{sym, p, time.Now().UnixMilli()})
	if len(m.recent) > marketHistory {
		m.recent = m.recent[len(m.recent)-marketHistory:]
	}
	for ch := range m.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	m.mu.Unlock()
}

// after returns the updates with ids above id, and the id of the last one.
func (m *market) after(id int) ([]tick, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := m.seq - len(m.recent) + 1
	if id < first-1 {
		id = first - 1
	}
	if id >= m.seq {
		return nil, m.seq
	}
	return append([]tick(nil), m.recent[id-first+1:]...), m.seq
}

func (m *market) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	return ch
}

func (m *market) unsubscribe(ch chan struct{}) {
	m.mu.Lock()
	delete(m.subs, ch)
	m.mu.Unlock()
}

func (m *market) Close() error {
	close(m.stop)
	<-m.done
	return nil
}

// stream handles GET /api/stocks/stream.
func (m *market) stream(w http.ResponseWriter, r *http.Request) {
	ct := "text/event-stream"
	if m.faults.contentType != "" {
		ct = m.faults.contentType
	}
	n, end, ok := m.ctl.open(r.Context())
	if !ok {
		return
	}
	sub := m.subscribe()
	defer m.unsubscribe(sub)
	s := startSSE(w, ct)
	s.noFlush = m.faults.noFlush
	// Without Last-Event-ID a client starts with the latest price; with it,
	// with everything after the id it saw last.
	last := -1
	if v, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && v >= 0 && !m.faults.ignoreLast {
		last = v
	}
	if last < 0 {
		_, seq := m.after(0)
		last = seq - 1
	}
	if s.retry(int(m.retry/time.Millisecond)) != nil {
		return
	}
	for {
		ticks, seq := m.after(last)
		for i, t := range ticks {
			data, _ := json.Marshal(t)
			id := seq - len(ticks) + 1 + i
			if s.event(strconv.Itoa(id), string(data)) != nil {
				return
			}
			m.ctl.record(n, strconv.Itoa(id), string(data))
		}
		last = seq
		select {
		case <-sub:
		case <-end: // the grader ended the stream
			return
		case <-r.Context().Done():
			return
		case <-m.stop:
			return
		}
	}
}

func newQ11(o Options) (Server, error) {
	m := newMarket(q11Variants[o.Variant], o.Hooks)
	s := newServer()
	s.HandleFunc("GET /api/stocks/stream", m.stream)
	s.Handle("/", publicDir("q11"))
	s.onClose(m.Close)
	return s, nil
}
