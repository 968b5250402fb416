#!/usr/bin/python3
"""Serve one GStreamer pipeline over RTSP on 127.0.0.1 (tests only).

usage: gst_rtsp_server.py PORT MOUNT 'PIPELINE'   (payloaders named pay0, pay1...)
Prints READY when listening; exits when stdin closes or on SIGTERM.
"""
import sys, threading
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer, GLib

port, mount, launch = sys.argv[1], sys.argv[2], sys.argv[3]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( " + launch + " )")
factory.set_shared(True)
server.get_mount_points().add_factory(mount, factory)
if server.attach(None) == 0:
    sys.exit("cannot listen on port " + port)
loop = GLib.MainLoop()
threading.Thread(target=lambda: (sys.stdin.read(), loop.quit()), daemon=True).start()
print("READY", flush=True)
loop.run()
