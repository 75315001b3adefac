#!/usr/bin/env bash
# Builds assets/sample.mp4, the bundled real-face demo video, from real photographs that ship in
# Debian and npm packages (nothing is downloaded): 15 s, 640x480, 30 fps, H.264, three 5 s shots
# with a slow zoom/pan each, so tracks see motion and cuts:
#   0-5 s   skimage astronaut.png (1 face, Debian python3-skimage)
#   5-10 s  face-api demo/sample3.jpg, cropped to the two faces on the right (npm @vladmandic/face-api)
#   10-15 s face-api demo/sample4.jpg (4 faces, npm @vladmandic/face-api)
# Also assets/sample-4faces.mp4 (15 s, the 4-face photo only) for multi-face benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
ASTRO=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
PAIR=node_modules/@vladmandic/face-api/demo/sample3.jpg
GROUP=node_modules/@vladmandic/face-api/demo/sample4.jpg
for f in "$ASTRO" "$PAIR" "$GROUP"; do [[ -f $f ]] || { echo "make-sample: missing $f (run scripts/ensure-deps.sh)" >&2; exit 1; }; done
mkdir -p assets
# shot IMG SECONDS ZOOM_END FOCUS_X FOCUS_Y [PRECROP,]: scale to cover 640x480, then zoom from 1 to ZOOM_END around
# the focus point (fractions of the image), one output frame per input frame.
shot() {
  local n=$(( $2 * 30 )) pre=${6:-}
  echo "[$1]${pre}scale=1280:960:force_original_aspect_ratio=increase,crop=1280:960,setsar=1,zoompan=z='1+($3-1)*on/$n':x='(iw-iw/zoom)*$4':y='(ih-ih/zoom)*$5':d=1:s=640x480:fps=30,trim=end_frame=$n,setpts=PTS-STARTPTS,format=yuv420p"
}
ffmpeg -v error -y -loop 1 -framerate 30 -t 5 -i "$ASTRO" -loop 1 -framerate 30 -t 5 -i "$PAIR" -loop 1 -framerate 30 -t 5 -i "$GROUP" \
  -filter_complex "$(shot 0 5 1.25 0.5 0.2)[a];$(shot 1 5 1.2 0.5 0.3 crop=900:675:1000:150,)[b];$(shot 2 5 1.1 0.5 0.3)[c];[a][b][c]concat=n=3:v=1:a=0[v]" \
  -map '[v]' -c:v libx264 -preset medium -crf 26 -g 30 -movflags +faststart -bitexact assets/sample.mp4
ffmpeg -v error -y -loop 1 -framerate 30 -t 15 -i "$GROUP" -filter_complex "$(shot 0 15 1.1 0.5 0.3)[v]" \
  -map '[v]' -c:v libx264 -preset medium -crf 26 -g 30 -movflags +faststart -bitexact assets/sample-4faces.mp4
ls -la assets/sample.mp4 assets/sample-4faces.mp4
