// The browser side: same-origin calls to the proxy, no key, no Authorization header.
const result = document.getElementById('result');

async function show(path) {
  result.textContent = 'Loading…';
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) {
    const retry = response.headers.get('retry-after');
    result.textContent = `Error ${response.status} ${body.error.code}: ${body.error.message}${retry ? ` (retry in ${retry} s)` : ''}`;
    return;
  }
  result.textContent = JSON.stringify(body, null, 2);
}

document.getElementById('load-balance').addEventListener('click', () => show('/api/balance'));
document.getElementById('load-brands').addEventListener('click', () => show('/api/brands'));
