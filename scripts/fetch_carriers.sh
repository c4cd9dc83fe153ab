#!/usr/bin/env bash
# Fetches the carrier corpus for `pycwe dataset build --carriers DIR`: pinned sdists of PyPI
# packages whose functions a recipe's sink is written into (crates/pycwe_core/src/dataset/carriers.rs).
# None of them is a package of the real-code sets (data/realcode/pairs.jsonl, mature.jsonl) or
# Django (the scan benchmark): training on code an evaluation reads would leak it.
# Each archive's sha256 is checked; tests, docs, examples and build scripts are left out, so the
# corpus is the packages' own code.
#
#   scripts/fetch_carriers.sh [DIR]     # default ~/.cache/pycwe/carriers; prints DIR/code
set -euo pipefail

DIR="${1:-$HOME/.cache/pycwe/carriers}"
PINS=(
  "arrow==1.3.0 d4540617648cb5f895730f1ad8c82a65f2dad0166f57b75f3ca54759c4d67a85"
  "boltons==24.1.0 4a49b7d57ee055b83a458c8682a2a6f199d263a8aa517098bda9bab813554b87"
  "bottle==0.13.2 e53803b9d298c7d343d00ba7d27b0059415f04b9f6f40b8d58b5bf914ba9d348"
  "cookiecutter==2.6.0 db21f8169ea4f4fdc2408d48ca44859349de2647fbe494a9d6c3edfc0542c21c"
  "httpx==0.28.1 75e98c5f16b0f35b567856f597f06ff2270a374470a5c2392242528e3e3e42fc"
  "humanize==4.11.0 e66f36020a2d5a974c504bd2555cf770621dbdbb6d82f94a6857c0b1ea2608be"
  "invoke==2.2.0 ee6cbb101af1a859c7fe84f2a264c059020b0cb7fe3535f9424300ab568f6bd5"
  "markdown==3.7 2ae2471477cfd02dbbf038d5d9bc226d40def84b4fe2986e49b59b6b472bbed2"
  "marshmallow==3.23.1 3a8dfda6edd8dcdbf216c0ede1d1e78d230a6dc9c5a088f58c4083b974a0d468"
  "mkdocs==1.6.1 7b432f01d928c084353ab39c57282f29f92136665bdd6abf7c1ec8d822ef86f2"
  "pelican==4.10.1 dfcd468ddb823c70df52545ca413b44505ff2d33132284d2f5a31d217cde6cb8"
  "python-dotenv==1.0.1 e324ee90a023d808f1959c46bcbc04446a10ced277783dc6ee09987c37ec10ca"
  "rich==13.9.4 439594978a49a09530cff7ebc4b5c7103ef57baf48d5ea3184f21d9a2befa098"
  "tabulate==0.9.0 0095b12bf5966de529c0feb1fa08671671b3368eec77d7ef7ab114be2c068b3c"
)

mkdir -p "$DIR/sdists"
for pin in "${PINS[@]}"; do
  read -r spec sha <<<"$pin"
  name="${spec%%==*}"
  version="${spec##*==}"
  archive=$(ls "$DIR/sdists/" 2>/dev/null | grep -i -E "^${name//-/[-_]}-${version}\.tar\.gz$" || true)
  if [ -z "$archive" ]; then
    echo "fetching $spec" >&2
    pip download --quiet --no-deps --no-binary :all: "$spec" -d "$DIR/sdists" >&2
    archive=$(ls "$DIR/sdists/" | grep -i -E "^${name//-/[-_]}-${version}\.tar\.gz$")
  fi
  echo "$sha  $DIR/sdists/$archive" | sha256sum --check --quiet -
done

CODE="$DIR/code"
rm -rf "$CODE.tmp"
mkdir -p "$CODE.tmp"
for archive in "$DIR"/sdists/*.tar.gz; do
  tar -xzf "$archive" -C "$CODE.tmp" --wildcards '*.py'
done
find "$CODE.tmp" -depth -type d \( -name tests -o -name test -o -name testing -o -name docs -o -name examples \
  -o -name benchmarks -o -name scripts \) -exec rm -rf {} +
find "$CODE.tmp" -type f \( -name 'test_*.py' -o -name '*_test.py' -o -name conftest.py -o -name setup.py \) -delete
rm -rf "$CODE"
mv "$CODE.tmp" "$CODE"
echo "$(find "$CODE" -name '*.py' | wc -l) files in $CODE" >&2
echo "$CODE"
