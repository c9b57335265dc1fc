// Hostile (or just broken): never listens, never exits.
console.log('starting…');
setInterval(() => {}, 1000);
