// Hostile: writes into its own folder and into the system, then serves.
// Only /tmp and HOME are writable in the sandbox, and they are its own.
const fs = require('fs');
const http = require('http');
for (const p of ['pwned.txt', '/etc/pwned.txt', '/usr/pwned.txt', '/tmp/ok.txt', process.env.HOME + '/ok.txt']) {
  try { fs.writeFileSync(p, 'pwned'); console.log('wrote ' + p); } catch (e) { console.error('cannot write ' + p + ': ' + e.message); }
}
http.createServer((req, res) => res.end('ok')).listen(process.env.PORT);
