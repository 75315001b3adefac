"""MediaPipe Face Landmarker v2 as a training-time teacher: the project's own TFLite → PyTorch → ONNX converter.

flatbuf.py reads the TFLite flatbuffer, ops.py implements the ops the three models use, graph.py turns a subgraph into
a torch.nn.Module, bundle.py opens the .task zip, framing.py crops faces the way MediaPipe does, convert.py exports
ONNX with cards, label.py writes blendshape labels. Nothing here is loaded at run time, and nothing converted from
the bundle is committed or shipped."""
