"""The Face Landmarker v2 `.task` bundle (a zip of three .tflite files) and the structure MediaPipe's graphs put
around the models: the 146-landmark subset the blendshape model reads, the 52 blendshape names, and the pixel scaling
of its input. These are MediaPipe source-level facts (face_blendshapes_graph.cc), not weights."""
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .graph import TfliteGraph, load_graph

DEFAULT_TASK = '../shared/teacher/face_landmarker_v2_with_blendshapes.task'
WHERE_TO_GET = ('MediaPipe Face Landmarker model page (https://ai.google.dev/edge/mediapipe/solutions/vision/face_landmarker): '
                'face_landmarker_v2_with_blendshapes.task ("Face Landmarker (float 16)")')

FILES = {'blendshapes': 'face_blendshapes.tflite', 'facemesh': 'face_landmarks_detector.tflite',
         'detector': 'face_detector.tflite'}

# Landmarks the blendshape model takes, in its input order (MediaPipe's kLandmarksSubsetIdxs).
BLENDSHAPE_LANDMARKS = [
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70, 78, 80,
    81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149, 150, 152, 153, 154,
    155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246, 249, 251, 263,
    267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314, 317, 318, 321,
    323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381, 382, 384, 385, 386, 387,
    388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466, 468, 469, 470, 471, 472, 473, 474, 475, 476, 477]

BLENDSHAPES = [
    '_neutral', 'browDownLeft', 'browDownRight', 'browInnerUp', 'browOuterUpLeft', 'browOuterUpRight', 'cheekPuff',
    'cheekSquintLeft', 'cheekSquintRight', 'eyeBlinkLeft', 'eyeBlinkRight', 'eyeLookDownLeft', 'eyeLookDownRight',
    'eyeLookInLeft', 'eyeLookInRight', 'eyeLookOutLeft', 'eyeLookOutRight', 'eyeLookUpLeft', 'eyeLookUpRight',
    'eyeSquintLeft', 'eyeSquintRight', 'eyeWideLeft', 'eyeWideRight', 'jawForward', 'jawLeft', 'jawOpen', 'jawRight',
    'mouthClose', 'mouthDimpleLeft', 'mouthDimpleRight', 'mouthFrownLeft', 'mouthFrownRight', 'mouthFunnel', 'mouthLeft',
    'mouthLowerDownLeft', 'mouthLowerDownRight', 'mouthPressLeft', 'mouthPressRight', 'mouthPucker', 'mouthRight',
    'mouthRollLower', 'mouthRollUpper', 'mouthShrugLower', 'mouthShrugUpper', 'mouthSmileLeft', 'mouthSmileRight',
    'mouthStretchLeft', 'mouthStretchRight', 'mouthUpperUpLeft', 'mouthUpperUpRight', 'noseSneerLeft', 'noseSneerRight']

# FaceMesh V2's third output (Identity_2, a sigmoid of a separate head) is not read by MediaPipe's graph, which
# takes outputs 0 (landmarks) and 1 (the face-flag logit, sigmoid → presence score).
OUTPUT_NAMES = {'blendshapes': ['blendshapes'], 'facemesh': ['landmarks_raw', 'face_flag_logit', 'unused_head'],
                'detector': ['regressors', 'classificators']}


def missing_message(path) -> str:
    return f'{path} not found: get face_landmarker_v2_with_blendshapes.task from the {WHERE_TO_GET}'


class Bundle:
    def __init__(self, path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(missing_message(self.path))
        raw = self.path.read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        with zipfile.ZipFile(self.path) as z:
            self.members = {n: z.read(n) for n in z.namelist()}
        for f in FILES.values():
            if f not in self.members:
                raise ValueError(f'{self.path}: no {f} inside (members: {sorted(self.members)})')

    def tflite(self, which: str) -> bytes:
        return self.members[FILES[which]]

    def graph(self, which: str, batched: bool = True) -> TfliteGraph:
        return load_graph(self.tflite(which), batched=batched, output_names=OUTPUT_NAMES[which])


def blendshape_input(landmarks: np.ndarray, width: float, height: float) -> np.ndarray:
    """MediaPipe's LandmarksToTensorCalculator for the blendshape graph: the 146-landmark subset of 478 normalised
    landmarks ([..., 478, >=2]), x times the image width, y times its height → [..., 146, 2] float32."""
    lm = np.asarray(landmarks, dtype=np.float32)[..., BLENDSHAPE_LANDMARKS, :2]
    return (lm * np.array([width, height], dtype=np.float32)).astype(np.float32)


class FaceMeshV2(nn.Module):
    """image [N, 256, 256, 3] RGB in [0, 1] (NHWC, as the TFLite model) → landmarks [N, 478, 3] in crop pixels
    (x, y in [0, 256]; z relative, same scale), presence [N] = sigmoid(face flag), MediaPipe's presence score."""
    input_names = ['image']
    output_names = ['landmarks', 'presence']

    def __init__(self, graph: TfliteGraph):
        super().__init__()
        self.graph = graph

    def forward(self, image):
        lm, logit, _ = self.graph(image)
        return lm.reshape(-1, 478, 3), torch.sigmoid(logit.reshape(-1))


class Blendshapes(nn.Module):
    """points [N, 146, 2]: the BLENDSHAPE_LANDMARKS subset in pixels (see blendshape_input) → scores [N, 52]."""
    input_names = ['points']
    output_names = ['blendshapes']

    def __init__(self, graph: TfliteGraph):
        super().__init__()
        self.graph = graph

    def forward(self, points):
        return self.graph(points)


class FaceDetector(nn.Module):
    """BlazeFace short range, raw: image [N, 128, 128, 3] in [-1, 1] → regressors [N, 896, 16], logits [N, 896, 1]
    (anchor decoding and NMS are not converted: the labeller takes face boxes or aligned crops)."""
    input_names = ['image']
    output_names = ['regressors', 'classificators']

    def __init__(self, graph: TfliteGraph):
        super().__init__()
        self.graph = graph

    def forward(self, image):
        return self.graph(image)


WRAPPERS = {'blendshapes': Blendshapes, 'facemesh': FaceMeshV2, 'detector': FaceDetector}


def module(bundle: 'Bundle', which: str) -> nn.Module:
    return WRAPPERS[which](bundle.graph(which)).eval()


class Teacher:
    """FaceMesh V2 + blendshape model, converted in memory from the bundle (training-time use only)."""

    def __init__(self, task_path=DEFAULT_TASK):
        self.bundle = Bundle(task_path)
        self.facemesh = module(self.bundle, 'facemesh')
        self.blend = module(self.bundle, 'blendshapes')

    @torch.no_grad()
    def mesh(self, images: np.ndarray) -> tuple:
        """images [N, 256, 256, 3] RGB in [0, 1] → (landmarks [N, 478, 3] in crop pixels (z scaled like x), presence [N])."""
        lm, presence = self.facemesh(torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)))
        return lm.numpy(), presence.numpy()

    @torch.no_grad()
    def blendshapes(self, landmarks: np.ndarray, width: float = 1.0, height: float = 1.0) -> np.ndarray:
        """landmarks [N, 478, >=2] (normalised when width/height give the image size; pixels with 1, 1) → [N, 52]."""
        x = blendshape_input(landmarks, width, height).reshape(-1, 146, 2)
        return self.blend(torch.from_numpy(x)).numpy()
