"""Video instance segmentation (VIS): YouTube-VIS reader, AP/AR metric, reference models.

Modules: ``samples`` (VisClip/VisInstance, temporal sampling, resizing), ``rle`` (COCO RLE
via pycocotools), ``youtube_vis`` (reader of the 2019/2021 layouts), ``metrics`` (YouTube-VIS
AP/AR over spatio-temporal mask IoU), ``sources`` (clip sources of the task's datasets),
``predictions`` (model outputs -> YouTube-VIS results), ``evaluation`` (collect and score),
``models`` (query-based reference and per-frame baseline), ``losses`` (Hungarian matching),
``train`` (training on the synthetic VIS world), ``adapter`` (the task adapter ``VisTask``).
"""
