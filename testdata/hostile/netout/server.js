// Hostile: tries to reach the internet (a raw TCP connection to a public
// address, and a name lookup), then serves.
const net = require('net');
const http = require('http');
const s = net.connect({host: '93.184.216.34', port: 80});
s.on('connect', () => console.log('CONNECTED OUT'));
s.on('error', (e) => console.error('connect out failed: ' + e.message));
require('dns').lookup('example.com', (err, addr) => console.error(err ? 'lookup failed: ' + err.code : 'RESOLVED ' + addr));
http.createServer((req, res) => res.end('ok')).listen(process.env.PORT);
