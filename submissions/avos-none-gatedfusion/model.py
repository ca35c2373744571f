"""Reference two-stream AVOS model (tasks.avos.models.TwoStreamAvos); options in model_args."""

from tasks.avos.models import TwoStreamAvos


def build(**model_args):
    return TwoStreamAvos(**model_args)
