// Hostile: ignores SIGTERM and leaves a daemon behind (a detached child in
// a session of its own, which ignores SIGTERM too).
const {spawn} = require('child_process');
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const d = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], {detached: true, stdio: 'ignore'});
d.unref();
console.log('daemon pid ' + d.pid);
require('http').createServer((req, res) => res.end('ok')).listen(process.env.PORT);
