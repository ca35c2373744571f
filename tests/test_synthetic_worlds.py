"""Synthetic worlds: determinism, true pairs, splits, labels, AVOS masks, VIS instances
and the YouTube-VIS export."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from benchmark.api.tasks import world_names
from benchmark.errors import DataError
from tasks.synthetic import MOTION_CLASSES, ClipSpec, get_world
from tasks.synthetic.render import composite, object_layer
from tasks.synthetic.scene import render_layers

ALL_WORLDS = [
    "synthetic-appearance",
    "synthetic-motion",
    "synthetic-motion-woven",
    "synthetic-conflict",
    "synthetic-avos",
    "synthetic-vis",
]
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
SMALL = dict(train=40, val=10, test=10, size=32)


def small(name: str, **extra):
    return get_world(name, **{**SMALL, **extra})


def test_registry_lists_all_worlds():
    assert world_names() == sorted(ALL_WORLDS)


@pytest.mark.parametrize("name", ALL_WORLDS)
def test_render_shape_dtype_and_determinism(name):
    a, b = small(name), small(name)
    for i in (0, 7):
        spec = a.spec("train", i)
        assert spec == b.spec("train", i)
        clip = a.render(spec)
        assert clip.shape == (16, 32, 32, 3) and clip.dtype == np.uint8
        assert np.array_equal(clip, b.render(spec))
        assert clip.std() > 5  # not blank


def _digest(name: str, split: str, index: int) -> str:
    world = get_world(name, size=48, frames=8)
    return hashlib.sha256(world.render(world.spec(split, index)).tobytes()).hexdigest()


def test_byte_identical_across_processes():
    cases = [
        ("synthetic-motion", "train", 3),
        ("synthetic-vis", "test", 5),
        ("synthetic-avos", "val", 2),
    ]
    code = (
        "import sys; sys.path.insert(0, '.');"
        "from tests.test_synthetic_worlds import _digest;"
        f"print(' '.join(_digest(*c) for c in {cases!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [_digest(*c) for c in cases]


@pytest.mark.parametrize("name", ALL_WORLDS)
def test_splits_use_disjoint_seeds_and_labels_in_range(name):
    world = get_world(name, train=300, val=60, test=60, size=32)
    seeds = {}
    for split in ("train", "val", "test"):
        specs = [world.spec(split, i) for i in range(world.split_size(split))]
        seeds[split] = {s.appearance_seed for s in specs} | {s.dynamics_seed for s in specs}
        assert len(seeds[split]) == 2 * len(specs)
        labels = [world.label(s) for s in specs]
        assert min(labels) >= 0 and max(labels) < world.num_classes
        assert len(world.class_names) == world.num_classes
    assert not seeds["train"] & seeds["val"]
    assert not seeds["train"] & seeds["test"]
    assert not seeds["val"] & seeds["test"]


def test_label_is_the_right_factor_and_classes_balanced():
    motion = get_world("synthetic-motion", train=140, val=0, test=0)
    specs = [motion.spec("train", i) for i in range(140)]
    assert np.bincount([motion.label(s) for s in specs]).tolist() == [10] * 14
    assert all(motion.label(s) == s.motion_class for s in specs)
    assert motion.num_classes == len(MOTION_CLASSES) >= 12
    appearance = get_world("synthetic-appearance", train=120, val=0, test=0)
    specs = [appearance.spec("train", i) for i in range(120)]
    assert all(appearance.label(s) == s.appearance_class for s in specs)
    assert np.bincount([s.appearance_class for s in specs]).tolist() == [10] * 12


def test_conflict_world_correlates_in_train_and_not_in_test():
    world = get_world("synthetic-conflict", train=600, val=0, test=600, correlation=0.8)

    def rate(split):
        specs = [world.spec(split, i) for i in range(600)]
        return np.mean(
            [s.appearance_class == world.biased_appearance(world.label(s)) for s in specs]
        )

    assert abs(rate("train") - 0.8) < 0.06
    assert rate("test") < 0.16  # independent: about 1/12
    assert sorted(world.biased_appearance(k) for k in range(world.num_classes)) == list(range(12))


@pytest.mark.parametrize(
    "call, needle",
    [
        (lambda: get_world("synthetic-nope"), "synthetic-nope"),
        (lambda: get_world("synthetic-motion", colour="red"), "colour"),
        (lambda: get_world("synthetic-motion", frames=1), "frames"),
        (lambda: get_world("synthetic-conflict", correlation=1.5), "correlation"),
        (lambda: get_world("synthetic-motion", train=3).spec("dev", 0), "dev"),
        (lambda: get_world("synthetic-motion", train=3).spec("train", 3), "out of range"),
        (lambda: get_world("synthetic-motion", train=3).spec("train", -1), "out of range"),
        (lambda: get_world("synthetic-motion").render(ClipSpec(1, 2, 0, 99)), "motion_class"),
        (lambda: get_world("synthetic-motion").render(ClipSpec(-1, 2, 0, 0)), "appearance_seed"),
        (lambda: get_world("synthetic-motion").with_new_dynamics(ClipSpec(1, 2, 0, 0), -5), "seed"),
    ],
)
def test_bad_input_raises_data_error_naming_it(call, needle):
    with pytest.raises(DataError, match=needle):
        call()


@pytest.mark.parametrize("name", ALL_WORLDS)
def test_true_static_pair_shares_appearance_only(name):
    world = small(name)
    spec = world.spec("train", 4)
    partner = world.with_new_dynamics(spec, 12345)
    assert partner.appearance_seed == spec.appearance_seed
    assert partner.appearance_class == spec.appearance_class
    a, b = world.scene(spec), world.scene(partner)
    assert a.appearance == b.appearance  # same background, objects, colours, textures
    assert a.trajectories != b.trajectories
    # Where no object covers a pixel in either clip, both show the same background.
    bg_a, layers_a = render_layers(a)
    _, layers_b = render_layers(b)
    free = ~np.any([la.mask[0] for la in layers_a] + [lb.mask[0] for lb in layers_b], axis=0)
    fa, fb = world.render(spec)[0], world.render(partner)[0]
    assert free.mean() > 0.4
    assert np.array_equal(fa[free], fb[free])
    assert not np.array_equal(world.render(spec), world.render(partner))


@pytest.mark.parametrize("name", ALL_WORLDS)
def test_true_dynamic_pair_shares_dynamics_only(name):
    world = small(name)
    spec = world.spec("train", 4)
    partner = world.with_new_appearance(spec, 999)
    assert (partner.dynamics_seed, partner.motion_class) == (spec.dynamics_seed, spec.motion_class)
    a, b = world.scene(spec), world.scene(partner)
    moving = slice(-1, None) if name == "synthetic-avos" else slice(None)
    assert a.trajectories[moving] == b.trajectories[moving]  # identical motion paths
    assert a.appearance.background != b.appearance.background
    assert world.label(partner) == world.label(spec) or name in (
        "synthetic-appearance",
        "synthetic-vis",
    )


def test_true_dynamic_pair_object_masks_follow_the_same_path():
    world = small("synthetic-avos", size=64)
    spec = world.spec("test", 1)
    partner = world.with_new_appearance(spec, 31337)
    _, m1 = world.render_with_masks(spec)
    _, m2 = world.render_with_masks(partner)
    ys, xs = np.mgrid[:64, :64]

    def centroids(m):
        return np.array([[xs[f].mean(), ys[f].mean()] for f in m])

    # All shapes are centred on their pose, so the silhouettes' centroids coincide.
    assert np.abs(centroids(m1) - centroids(m2)).max() < 1.0


def test_time_reversed_classes_are_exact_reversals():
    world = small("synthetic-motion")
    base = world.spec("train", 0)
    for forward, backward in [
        ("translate-left", "translate-right"),
        ("spin-cw", "spin-ccw"),
        ("orbit-cw", "orbit-ccw"),
        ("grow", "shrink"),
    ]:
        a = dataclasses.replace(base, motion_class=MOTION_CLASSES.index(forward))
        b = dataclasses.replace(base, motion_class=MOTION_CLASSES.index(backward))
        clip_a, clip_b = world.render(a), world.render(b)
        assert not np.array_equal(clip_a, clip_b)
        # Same parameters, so the same frames in opposite order.
        assert np.array_equal(clip_a[::-1], clip_b)


@pytest.mark.parametrize("camouflage", [False, True])
def test_avos_masks_cover_exactly_the_moving_object(camouflage):
    world = small("synthetic-avos", size=48, camouflage=camouflage)
    for index in range(6):
        spec = world.spec("train", index)
        frames, mask = world.render_with_masks(spec)
        assert mask.shape == frames.shape[:3] and mask.dtype == bool
        assert mask.any(axis=(1, 2)).all()
        scene = world.scene(spec)
        background, layers = render_layers(scene)
        # Without the moving object: identical wherever the mask is off.
        without = composite(background, layers[:-1], world.frames)
        assert np.array_equal(frames[~mask], without[~mask])
        # The moving object rendered alone gives exactly the masked pixels.
        alone = object_layer(
            scene.appearance.objects[-1], scene.trajectories[-1], world.size, wrap=False
        )
        assert np.array_equal(alone.mask, mask)
        alone_rgb = composite(np.zeros_like(background), [alone], world.frames)
        assert np.array_equal(frames[mask], alone_rgb[mask])
        # Everything else is static: distractors do not move.
        for layer in layers[:-1]:
            assert (layer.mask == layer.mask[0]).all()
        if not camouflage:
            assert np.mean(np.any(frames[mask] != without[mask], axis=-1)) > 0.9


def test_camouflage_changes_only_the_objects_texture():
    plain, camo = small("synthetic-avos"), small("synthetic-avos", camouflage=True)
    spec = plain.spec("val", 3)
    f1, m1 = plain.render_with_masks(spec)
    f2, m2 = camo.render_with_masks(spec)
    assert np.array_equal(m1, m2)
    assert not np.array_equal(f1[m1], f2[m2])


def test_vis_instances_persist_and_masks_are_disjoint():
    world = small("synthetic-vis", size=48)
    seen_counts = set()
    for index in range(8):
        spec = world.spec("train", index)
        frames, instances = world.render_instances(spec)
        n = spec.n_objects
        seen_counts.add(n)
        assert 2 <= n <= 5 and len(instances) == n
        assert [i.instance_id for i in instances] == list(range(1, n + 1))
        assert all(1 <= i.category_id <= world.num_classes for i in instances)
        assert instances[0].category_id - 1 == world.label(spec)
        stack = np.stack([i.masks for i in instances])
        assert stack.shape == (n, world.frames, 48, 48) and stack.dtype == bool
        assert stack.sum(axis=0).max() <= 1  # disjoint
        # Visible masks = silhouettes minus what later objects cover; the top one is whole.
        _, layers = render_layers(world.scene(spec))
        assert np.array_equal(stack.any(axis=0), np.any([la.mask for la in layers], axis=0))
        assert np.array_equal(stack[-1], layers[-1].mask)
        # Each instance keeps its identity: its colours stay those of its own object.
        for inst, layer in zip(instances, layers, strict=True):
            assert inst.masks.any(axis=(1, 2)).mean() > 0.5
            assert np.array_equal(
                frames[inst.masks],
                composite(np.zeros((48, 48, 3), np.float32), [layer], world.frames)[inst.masks],
            )
    assert len(seen_counts) > 1


def test_youtube_vis_export_round_trips(tmp_path):
    from tasks.synthetic.youtube_vis_export import export_youtube_vis

    world = get_world("synthetic-vis", train=0, val=3, test=0, size=40, frames=6)
    path = export_youtube_vis(world, "val", tmp_path)
    assert path == tmp_path / "val.json"
    data = json.loads(path.read_text())
    assert [v["id"] for v in data["videos"]] == [1, 2, 3]
    assert [c["id"] for c in data["categories"]] == list(range(1, world.num_classes + 1))
    assert [c["name"] for c in data["categories"]] == world.class_names
    by_video = {}
    for ann in data["annotations"]:
        by_video.setdefault(ann["video_id"], []).append(ann)
        assert ann["iscrowd"] == 0 and len(ann["segmentations"]) == 6
    for video in data["videos"]:
        assert video["length"] == 6 and (video["height"], video["width"]) == (40, 40)
        frames, instances = world.render_instances(world.spec("val", video["id"] - 1))
        for name, frame in zip(video["file_names"], frames, strict=True):
            assert name.startswith(f"vid_{video['id']:05d}/") and name.endswith(".jpg")
            img = Image.open(tmp_path / "JPEGImages" / name)
            assert img.size == (40, 40)
            assert np.abs(np.asarray(img, dtype=int) - frame).mean() < 12
        anns = by_video[video["id"]]
        assert [a["category_id"] for a in anns] == [i.category_id for i in instances]
        for ann, inst in zip(anns, instances, strict=True):
            for t, (rle, box, area) in enumerate(
                zip(ann["segmentations"], ann["bboxes"], ann["areas"], strict=True)
            ):
                if rle is None:
                    assert not inst.masks[t].any() and box is None and area is None
                    continue
                assert isinstance(rle["counts"], str)
                decoded = mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})
                assert np.array_equal(decoded.astype(bool), inst.masks[t])
                assert area == int(inst.masks[t].sum())
                ys, xs = np.nonzero(inst.masks[t])
                assert box == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
    with pytest.raises(DataError, match="count"):
        export_youtube_vis(world, "val", tmp_path, count=4)


def test_vis_categories_are_shapes_or_motions_and_balanced():
    from tasks.synthetic.vis_motions import VIS_MOTIONS
    from tasks.synthetic.vis_world import MOTION_LOOK_SHAPES

    world = get_world("synthetic-vis", train=300, val=0, test=0, size=32)
    groups = world.category_groups()
    assert groups == {"appearance": (1, 2, 3, 4), "motion": (5, 6, 7, 8)}
    assert [world.class_names[k - 1] for k in groups["motion"]] == list(VIS_MOTIONS)
    counts = np.zeros(world.num_classes)
    for index in range(300):
        spec = world.spec("train", index)
        looks = world.scene(spec).appearance.objects
        motions = world.motion_classes(spec)
        for category, look, motion in zip(world.categories(spec), looks, motions, strict=True):
            name = world.class_names[category]
            if category + 1 in groups["appearance"]:
                assert look.shape == name  # an appearance-defined category is its shape
            else:  # a motion-defined one: the shared look, its motion is its name
                assert look.shape in MOTION_LOOK_SHAPES and VIS_MOTIONS[motion] == name
            counts[category] += 1
        assert world.label(spec) == world.categories(spec)[0]
    assert counts.min() > 0.75 * counts.mean()  # each category about 1/8 of the objects


def test_vis_true_pairs_keep_motion_defined_categories_with_the_motion():
    world = small("synthetic-vis")
    for index in range(10):
        spec = world.spec("train", index)
        same_motion = world.with_new_appearance(spec, 1000 + index)
        same_look = world.with_new_dynamics(spec, 2000 + index)
        assert world.motion_classes(same_motion) == world.motion_classes(spec)
        assert world.look_classes(same_look) == world.look_classes(spec)
        for a, b, look in zip(
            world.categories(spec), world.categories(same_look), world.look_classes(spec), strict=True
        ):
            if a + 1 in world.category_groups()["appearance"]:
                assert b == a == look  # a shape keeps its category whatever its motion


def test_vis_motions_change_only_their_own_pose_component():
    from tasks.synthetic.vis_motions import VIS_MOTIONS, sample_vis_trajectory
    from tasks.synthetic.vis_world import MARGIN

    changes = {"spinning": "angle", "sliding": "x", "bouncing": "y", "pulsing": "scale"}
    for motion, name in enumerate(VIS_MOTIONS):
        path = sample_vis_trajectory(np.random.default_rng(7), motion, 16, MARGIN)
        for component in ("x", "y", "angle", "scale"):
            values = getattr(path, component)
            assert (np.ptp(values) > 0) == (component == changes[name]), (name, component)
        assert MARGIN <= path.x.min() and path.x.max() <= 1 - MARGIN
        assert MARGIN <= path.y.min() and path.y.max() <= 1 - MARGIN


def test_vis_motions_have_the_same_pose_law_in_every_frame():
    """What one frame shows of an object (centre, angle, scale) has the same distribution
    whatever the motion, so single frames carry no information about it."""
    from scipy.stats import ks_2samp

    from tasks.synthetic.vis_motions import VIS_MOTIONS, sample_vis_trajectory
    from tasks.synthetic.vis_world import MARGIN

    def poses(motion: int, frame: int) -> np.ndarray:
        rng = np.random.default_rng([motion, frame])
        paths = [sample_vis_trajectory(rng, motion, 16, MARGIN) for _ in range(1000)]
        return np.array(
            [[p.x[frame], p.y[frame], p.angle[frame] % (2 * np.pi), p.scale[frame]] for p in paths]
        )

    for frame in (0, 9):
        reference = poses(0, frame)
        for motion in range(1, len(VIS_MOTIONS)):
            other = poses(motion, frame)
            for k in range(4):
                assert ks_2samp(reference[:, k], other[:, k]).pvalue > 1e-3, (motion, frame, k)
