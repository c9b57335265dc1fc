package probes

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"rtlab/graders/scenario"
	"rtlab/internal/rawws"
)

// diagramWidth is the distance between the client's and the server's
// lifelines.
const diagramWidth = 66

// explainHandshake runs one opening handshake, one echoed text message and
// a close handshake against base's /ws, and draws them as a sequence
// diagram: the request and response exactly as captured, the frames with
// their first bytes, and whether Sec-WebSocket-Accept is right.
func explainHandshake(ctx context.Context, w io.Writer, base *url.URL, client *http.Client) error {
	u, err := base.Parse("/ws")
	if err != nil {
		return err
	}
	target := wsURLOf(u)
	hs := rawws.NewHandshake()
	hs.TLSConfig = tlsOf(client)
	key := hs.Header.Get("Sec-WebSocket-Key")
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := rawws.Dial(dctx, target, hs)
	if err != nil {
		return fmt.Errorf("the handshake to %s got no answer: %w", target, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	d := &diagram{w: w}
	d.title(fmt.Sprintf("Live handshake with %s", target))
	d.heads("client (rtlab)", "server "+u.Host)
	d.send(crlfLines(c.Request))
	d.recv(crlfLines(c.RawResp))
	want := rawws.AcceptKey(key)
	got := c.Response.Header.Get("Sec-WebSocket-Accept")
	d.note(fmt.Sprintf("expected Sec-WebSocket-Accept = base64(SHA-1(%q + GUID)) = %s", key, want))
	if c.Response.StatusCode != http.StatusSwitchingProtocols {
		d.note(fmt.Sprintf("✗ the server answered %d: no WebSocket was opened", c.Response.StatusCode))
		return d.err
	}
	if got == want {
		d.note("✓ Sec-WebSocket-Accept matches: the server read this key, and the connection is now WebSocket frames")
	} else {
		d.note(fmt.Sprintf("✗ Sec-WebSocket-Accept is %q: a browser would close the connection here", got))
	}
	msg := rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("hello")}
	rand4(&msg.Key)
	d.send([]string{frameLine(msg)})
	if err := c.WriteFrame(msg); err != nil {
		return err
	}
	if f, err := c.ReadFrame(); err == nil {
		d.recv([]string{frameLine(f)})
	} else {
		d.note("no echo: " + describeReadErr(err))
		return d.err
	}
	bye := rawws.Frame{Fin: true, Opcode: rawws.OpClose, Masked: true, Payload: rawws.ClosePayload(rawws.CloseNormal, "")}
	rand4(&bye.Key)
	d.send([]string{frameLine(bye)})
	if err := c.WriteFrame(bye); err != nil {
		return err
	}
	if f, err := c.ReadFrame(); err == nil {
		d.recv([]string{frameLine(f)})
	} else {
		d.note("no close frame back: " + describeReadErr(err))
	}
	d.end()
	return d.err
}

func rand4(k *[4]byte) {
	copy(k[:], []byte(randomToken())[:4])
}

// crlfLines splits a captured HTTP head into its lines, without the blank
// line that ends it.
func crlfLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n") {
		out = append(out, l)
	}
	return out
}

// frameLine describes a frame and its first wire bytes, the header a
// student decodes by hand in the course.
func frameLine(f rawws.Frame) string {
	wire := rawws.AppendFrame(nil, f)
	n := min(len(wire), 8)
	head := hex.EncodeToString(wire[:n])
	var sp []string
	for i := 0; i < len(head); i += 2 {
		sp = append(sp, head[i:i+2])
	}
	masked := "unmasked"
	if f.Masked {
		masked = "masked"
	}
	var what string
	switch f.Opcode {
	case rawws.OpText:
		what = fmt.Sprintf("text %q", scenario.Shorten(string(f.Payload), 30))
	case rawws.OpClose:
		what = describeFrame(f)
	default:
		what = describeFrame(f)
	}
	return fmt.Sprintf("%s, %s  [%s…]", what, masked, strings.Join(sp, " "))
}

// diagram draws two lifelines and the messages between them.
type diagram struct {
	w   io.Writer
	err error
}

func (d *diagram) printf(format string, args ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format, args...)
	}
}

func (d *diagram) title(s string) { d.printf("\n%s\n\n", s) }

func (d *diagram) heads(left, right string) {
	d.printf("  %s%s%s\n", left, strings.Repeat(" ", max(1, diagramWidth+2-utf8.RuneCountInString(left)-utf8.RuneCountInString(right))), right)
	d.line("")
}

// line prints the two lifelines with text between them, left-aligned.
func (d *diagram) line(text string) {
	text = clipRunes(text, diagramWidth-2)
	d.printf("  │ %s%s │\n", text, strings.Repeat(" ", diagramWidth-2-utf8.RuneCountInString(text)))
}

func (d *diagram) rline(text string) {
	text = clipRunes(text, diagramWidth-2)
	d.printf("  │ %s%s │\n", strings.Repeat(" ", diagramWidth-2-utf8.RuneCountInString(text)), text)
}

func (d *diagram) send(lines []string) {
	for _, l := range lines {
		d.line(l)
	}
	d.printf("  ├%s▶│\n", strings.Repeat("─", diagramWidth-1))
	d.line("")
}

func (d *diagram) recv(lines []string) {
	for _, l := range lines {
		d.rline(l)
	}
	d.printf("  │◀%s┤\n", strings.Repeat("─", diagramWidth-1))
	d.line("")
}

func (d *diagram) note(s string) {
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > diagramWidth-8 {
			d.line("  » " + line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	d.line("  » " + line)
	d.line("")
}

func (d *diagram) end() { d.printf("  ┴%s┴\n", strings.Repeat(" ", diagramWidth)) }

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
