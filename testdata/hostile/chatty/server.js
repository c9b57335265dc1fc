// Hostile: prints 100 MB to stdout, then serves.
const line = 'x'.repeat(1023) + '\n';
let left = 100 * 1024;
function more() {
  while (left > 0) {
    left--;
    if (!process.stdout.write(line)) { process.stdout.once('drain', more); return; }
  }
  require('http').createServer((req, res) => res.end('ok')).listen(process.env.PORT);
}
more();
