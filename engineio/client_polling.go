package engineio

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

type rawPacket struct {
	raw []byte
	p   Packet
}

// get performs one polling GET.
func (c *ClientConn) get(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.urlFor("polling"), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range c.opts.Header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, newHTTPError(res.StatusCode, body)
	}
	return body, nil
}

// post sends one polling payload.
func (c *ClientConn) post(body []byte, contentType string) error {
	// Not c.ctx: the close packet's POST must survive the server's "1"
	// arriving on the pending GET, which shuts the session down meanwhile.
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.urlFor("polling"), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range c.opts.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return newHTTPError(res.StatusCode, rb)
	}
	return nil
}

// splitPayload decodes a polling body, tracing each packet.
func (c *ClientConn) splitPayload(body []byte) ([]rawPacket, error) {
	var out []rawPacket
	off := 0
	for {
		seg := body[off:]
		end := bytes.IndexByte(seg, recordSeparator)
		if end >= 0 {
			seg = seg[:end]
		}
		p, err := parseSegment(seg, off)
		c.observe(In, "polling", seg, false, p)
		if err != nil {
			return nil, err
		}
		out = append(out, rawPacket{seg, p})
		if end < 0 {
			return out, nil
		}
		off += end + 1
	}
}

func (c *ClientConn) poll() {
	body, err := c.get(c.ctx)
	if err != nil {
		c.shutdown(ReasonTransportClose, err)
		return
	}
	pkts, err := c.splitPayload(body)
	if err != nil {
		c.shutdown(ReasonParseError, err)
		return
	}
	for _, rp := range pkts {
		if c.ctx.Err() != nil {
			return
		}
		c.handle(rp.p)
	}
}
