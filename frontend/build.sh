#!/bin/sh
# Rebuilds the vendored GOV.UK Frontend files in static/govuk/. The output is
# committed so that deployment needs neither Node nor this script: run it after
# editing app.scss or upgrading govuk-frontend, then commit static/govuk/.
set -eu

cd "$(dirname "$0")"
out=../static/govuk

# Neither package needs an install script (sass's optional file watcher is unused).
npm ci --ignore-scripts --no-audit --no-fund

# static/govuk/init.js is hand-written, so clear only what this script produces.
rm -rf "$out/assets" "$out/app.css" "$out/govuk-frontend.min.js"
mkdir -p "$out/assets/images"

# app.scss loads govuk-frontend 6 with @import (its index.import.scss); the deprecation
# noise is not ours to fix.
npx --no-install sass \
  --style=compressed \
  --no-source-map \
  --no-error-css \
  --load-path=node_modules \
  --quiet-deps \
  --silence-deprecation=import \
  app.scss "$out/app.css"

# The source map is not vendored, and Django's manifest storage fails collectstatic
# on a sourceMappingURL that points at a missing file, so drop the reference.
sed 's|//# sourceMappingURL=[^ ]*$||' \
  node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
  > "$out/govuk-frontend.min.js"

# Every image govuk-frontend ships (favicons, touch icons, crest, Open Graph image)
# carries the crown, and fonts are GDS Transport, so none are copied. These are
# brand-neutral stand-ins.
cat > "$out/assets/images/favicon.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="4" fill="#1d70b8"/><path fill="none" stroke="#fff" stroke-width="2" stroke-linejoin="round" d="M9 5h10l5 5v17H9z"/><path fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" d="m12 18 3 3 6-7"/></svg>
SVG

cat > "$out/assets/manifest.json" <<'JSON'
{
  "name": "Case file audit",
  "short_name": "Case file audit",
  "icons": [
    {
      "src": "images/favicon.svg",
      "type": "image/svg+xml",
      "sizes": "any",
      "purpose": "any"
    }
  ]
}
JSON

# Guard the re-brand: fail if anything GOV.UK-branded slipped into the output.
if find "$out" -iname '*crown*' -o -iname '*crest*' -o -iname '*.woff*' | grep -q .; then
  echo "build.sh: GOV.UK-branded asset found in $out" >&2
  exit 1
fi
if grep -q 'GDS Transport' "$out/app.css"; then
  echo "build.sh: app.css still references GDS Transport" >&2
  exit 1
fi

echo "Built $(cd "$out" && pwd)"
