// Shows which build is deployed (the frontend server's own /version).
const target = document.getElementById('version');
fetch('/version')
  .then((res) => res.json())
  .then(({ version, commit }) => {
    if (target) target.textContent = `${version} (${commit})`;
  })
  .catch(() => {
    if (target) target.textContent = 'unknown';
  });
