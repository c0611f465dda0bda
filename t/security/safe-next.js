// t/806: where the staff login page goes after a login, for each next=,
// by the page's own safeNext() (html/assets/common.js) and the WHATWG URL
// parser of node, which browsers share.  Prints JSON lines
// {next, target} where target is the absolute URL navigated to.
'use strict';
const fs = require('fs');
const vm = require('vm');

const [file, origin, ...nexts] = process.argv.slice(2);
for (const next of nexts) {
  const search = '?next=' + encodeURIComponent(next);
  const ctx = {
    URL, URLSearchParams, setTimeout: () => 0,
    location: { origin, search, pathname: '/staff/login.html' },
    document: { body: null },
    window: {},
  };
  vm.createContext(ctx);
  vm.runInContext(fs.readFileSync(file, 'utf8'), ctx);
  const to = vm.runInContext("safeNext(qs('next')) || '/staff/index.html'",
                             ctx);
  console.log(JSON.stringify({ next, target: new URL(to, origin).href }));
}
