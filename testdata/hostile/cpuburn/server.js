// Hostile: burns a core forever, from the start (it never gets to listen).
console.log('burning');
for (;;) {}
require('http').createServer((req, res) => res.end('ok')).listen(process.env.PORT);
