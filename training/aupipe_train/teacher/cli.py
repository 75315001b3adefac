"""`python3 -m training teacher convert|label`: MediaPipe Face Landmarker v2 as a training-time teacher."""
import json
import time
from pathlib import Path

from .bundle import DEFAULT_TASK


def add_parser(sub) -> None:
    t = sub.add_parser('teacher', help="MediaPipe Face Landmarker v2 (.task) -> PyTorch/ONNX teacher; blendshape labels "
                       "(training time only, never shipped)")
    ts = t.add_subparsers(dest='teacher_cmd', required=True)
    c = ts.add_parser('convert', help='blendshape model, FaceMesh V2 and the detector -> ONNX + cards, checked in ONNX Runtime')
    c.add_argument('--task', default=DEFAULT_TASK, help='face_landmarker_v2_with_blendshapes.task (default: %(default)s)')
    c.add_argument('--out', default='training/runs/teacher', help='output folder (keep it gitignored; default: %(default)s)')
    c.add_argument('--models', default='blendshapes,facemesh,detector')
    c.add_argument('--no-check', action='store_true', help='skip the ONNX Runtime check')
    lb = ts.add_parser('label', help='52 blendshape scores per crop of a prepared dataset (or per face box of image files)')
    lb.add_argument('--task', default=DEFAULT_TASK)
    src = lb.add_mutually_exclusive_group(required=True)
    src.add_argument('--data', help='prepared dataset folder (meta.json, labels.csv, crops/)')
    src.add_argument('--images', help='CSV file,x,y,w,h: image files with a face box each (pixels)')
    lb.add_argument('--out', required=True, help='CSV to write: file,<52 blendshapes>,presence,align_err')
    lb.add_argument('--framing', default=None, help='upscale | margin:M | refine[:M] (default: see label.py)')
    lb.add_argument('--limit', type=int, default=0, help='first N crops only')
    lb.add_argument('--study', default='', help='comma list of framings to compare on --data (presence, eye error) first')
    lb.add_argument('--hand-labels', default='test/fixtures/real-faces.json',
                    help='hand-labelled faces: AUC of a naive blendshape→AU reading goes into the report (if present)')
    t.set_defaults(func=run)


def run(a) -> int:
    if a.teacher_cmd == 'convert':
        from .convert import convert

        cards = convert(a.task, a.out, models=a.models.split(','), check=not a.no_check)
        for which, c in cards.items():
            diff = c['onnx'].get('ortVsTorchMaxAbsDiff', 'unchecked')
            print(f"{which}: {c['tflite']['operators']} TFLite ops {c['tflite']['ops']} -> {a.out}/{which}.onnx; "
                  f"ORT vs PyTorch {diff}")
        print(f'{a.out}: TEACHER ONLY, never commit or ship these files')
        return 0
    from .bundle import Teacher
    from .label import (DEFAULT_FRAMING, dumps, framing_study, hand_label_auc, label_dataset, label_images, summary,
                        write_csv)

    teacher = Teacher(a.task)
    t0 = time.time()
    if a.images:
        rows = label_images(teacher, a.images)
        write_csv(rows, a.out)
        print(f'{len(rows)} faces -> {a.out} ({time.time() - t0:.1f} s)')
        return 0
    report = {}
    if a.study:
        report['framing_study'] = framing_study(teacher, a.data, a.study.split(','), a.limit)
        for r in report['framing_study']:
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
    framing = a.framing or DEFAULT_FRAMING
    rows = label_dataset(teacher, a.data, framing, a.limit)
    write_csv(rows, a.out)
    report.update({'data': a.data, 'framing': framing, 'n': len(rows), 'seconds': round(time.time() - t0, 1),
                   'summary': summary(rows, a.data)})
    if a.hand_labels and Path(a.hand_labels).exists():
        report['hand_labelled_auc'] = hand_label_auc(rows, a.hand_labels)
    Path(a.out).with_suffix('.json').write_text(dumps(report) + '\n')
    print(dumps(report))
    return 0
