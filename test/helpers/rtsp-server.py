#!/usr/bin/python3
"""Minimal GStreamer RTSP server for tests: serves an H.264 MP4 at rtsp://127.0.0.1:PORT/stream.

Usage: /usr/bin/python3 rtsp-server.py FILE PORT [PATH [USER:PASSWORD]]
Prints "READY <port>" on stdout once it listens. It stops serving at the end of the file, so callers
pre-loop the file (ffmpeg -stream_loop N -c copy). With USER:PASSWORD, clients must use basic auth.
"""
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
file, port = sys.argv[1], sys.argv[2]
mount = sys.argv[3] if len(sys.argv) > 3 else '/stream'
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f'( filesrc location="{file}" ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )'
)
factory.set_shared(True)
if len(sys.argv) > 4:
    user, password = sys.argv[4].split(':', 1)
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string('media.factory.role', 'user')
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    factory.add_role_from_structure(
        Gst.Structure.from_string('user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0]
    )
server.get_mount_points().add_factory(mount, factory)
if server.attach(None) == 0:
    print('FAILED to listen', flush=True)
    sys.exit(1)
print(f'READY {server.get_bound_port()}', flush=True)
GLib.MainLoop().run()
