import pytest
import torch

from training.aupipe_train import losses as L


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64) * 2
    targets = torch.rand(6, 4, generator=g, dtype=torch.float64)
    targets[:, 1] = (targets[:, 1] > 0.5).double()
    mask = torch.ones(6, 4, dtype=torch.float64)
    mask[0, 0] = 0
    mask[3, 2] = 0
    mask[5, :2] = 0
    return logits.requires_grad_(True), targets, mask


PW = torch.tensor([1.0, 3.0, 0.5, 2.0], dtype=torch.float64)
FNS = {
    'bce': lambda lo, t, m: L.bce(lo, t, m),
    'bce_pw': lambda lo, t, m: L.bce(lo, t, m, PW),
    'focal': lambda lo, t, m: L.focal(lo, t, m),
    'asl': lambda lo, t, m: L.asymmetric(lo, t, m, clip=0.0),
    'asl_clip': lambda lo, t, m: L.asymmetric(lo, t, m),
    'soft_f1': lambda lo, t, m: L.soft_f1(lo, t, m),
    'proposed': lambda lo, t, m: L.proposed(lo, t, m, PW),
}


@pytest.mark.parametrize('name', sorted(FNS))
def test_gradient_matches_finite_differences(name):
    logits, targets, mask = _inputs()
    fn = FNS[name]
    assert torch.autograd.gradcheck(lambda lo: fn(lo, targets, mask), (logits,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize('name', sorted(FNS))
def test_masked_entries_get_no_gradient_and_do_not_change_the_loss(name):
    logits, targets, mask = _inputs(1)
    fn = FNS[name]
    loss = fn(logits, targets, mask)
    loss.backward()
    assert torch.all(logits.grad[mask == 0] == 0)
    changed = targets.clone()
    changed[mask == 0] = 1 - changed[mask == 0]
    assert torch.allclose(fn(logits.detach(), changed, mask), loss.detach())


def test_bce_matches_closed_form_and_pos_weight_scales_positive_term():
    lo = torch.tensor([[0.0, 2.0]], dtype=torch.float64)
    t = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    m = torch.ones_like(t)
    expect = (torch.log(torch.tensor(2.0)) + torch.log1p(torch.exp(torch.tensor(2.0)))) / 2
    assert torch.isclose(L.bce(lo, t, m), expect.double())
    w = torch.tensor([3.0, 3.0], dtype=torch.float64)
    expect_w = (3 * torch.log(torch.tensor(2.0)) + torch.log1p(torch.exp(torch.tensor(2.0)))) / 2
    assert torch.isclose(L.bce(lo, t, m, w), expect_w.double())


def test_focal_and_asl_down_weight_easy_negatives_relative_to_bce():
    easy_neg = torch.tensor([[-4.0]], dtype=torch.float64)
    hard_pos = torch.tensor([[-1.0]], dtype=torch.float64)
    zero, one, m = torch.zeros(1, 1, dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64)
    for fn in (L.focal, L.asymmetric):
        ratio_easy = fn(easy_neg, zero, m) / L.bce(easy_neg, zero, m)
        ratio_hard = fn(hard_pos, one, m) / L.bce(hard_pos, one, m)
        assert ratio_easy < 0.01 * ratio_hard


def test_soft_f1_is_zero_for_perfect_confident_predictions_and_high_for_wrong_ones():
    t = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    m = torch.ones_like(t)
    good = (t * 2 - 1) * 30
    assert L.soft_f1(good, t, m) < 1e-6
    assert L.soft_f1(-good, t, m) > 0.6


def test_pos_weights_from_rates_are_inverse_odds_and_capped():
    w = L.pos_weights_from_rates(torch.tensor([0.5, 0.2, 0.001]))
    assert torch.allclose(w, torch.tensor([1.0, 4.0, 10.0]))


def test_make_loss_rejects_unknown_names():
    with pytest.raises(ValueError):
        L.make_loss('nope', torch.tensor([0.5]))
