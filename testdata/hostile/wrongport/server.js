// Broken: listens on a fixed port instead of PORT.
require('http').createServer((req, res) => res.end('ok')).listen(3999, () => console.log('listening on 3999'));
