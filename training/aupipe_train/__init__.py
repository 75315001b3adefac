"""Transfer-learning AU trainer: backbones, losses, two-stage fine-tuning, evaluation, ONNX export."""

AUS12 = ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU9', 'AU12', 'AU15', 'AU17', 'AU20', 'AU25', 'AU26']
# The standard DISFA benchmark subset.
AUS8 = ['AU1', 'AU2', 'AU4', 'AU6', 'AU9', 'AU12', 'AU25', 'AU26']
