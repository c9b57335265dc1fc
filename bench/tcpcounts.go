package bench

// tcpCounts is what the kernel counted for one TCP connection, as seen from
// the server's socket: segments out are the server's, segments in the
// client's, so one socket sees both directions.
type tcpCounts struct {
	SegsOut, SegsIn         int64 // every segment, SYN, FIN and pure ACK included
	DataSegsOut, DataSegsIn int64 // segments that carried data
	BytesAcked, BytesRecv   int64 // payload bytes of TCP (the application's bytes)
	Timestamps              bool  // TCP timestamps option in use (12 B per header)
}

func (a tcpCounts) sub(b tcpCounts) tcpCounts {
	return tcpCounts{
		SegsOut: a.SegsOut - b.SegsOut, SegsIn: a.SegsIn - b.SegsIn,
		DataSegsOut: a.DataSegsOut - b.DataSegsOut, DataSegsIn: a.DataSegsIn - b.DataSegsIn,
		BytesAcked: a.BytesAcked - b.BytesAcked, BytesRecv: a.BytesRecv - b.BytesRecv,
		Timestamps: a.Timestamps || b.Timestamps,
	}
}

func (a *tcpCounts) add(b tcpCounts) {
	a.SegsOut += b.SegsOut
	a.SegsIn += b.SegsIn
	a.DataSegsOut += b.DataSegsOut
	a.DataSegsIn += b.DataSegsIn
	a.BytesAcked += b.BytesAcked
	a.BytesRecv += b.BytesRecv
	a.Timestamps = a.Timestamps || b.Timestamps
}
