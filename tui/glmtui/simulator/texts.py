"""License and template texts the simulated models carry (shared by their families)."""

from __future__ import annotations

MIT_LICENSE = """MIT License

Copyright (c) 2025 Zhipu AI

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and \
associated documentation files (the "Software"), to deal in the Software without restriction, including \
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell \
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the \
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial \
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED."""

APACHE_LICENSE = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction, and distribution as defined
      by Sections 1 through 9 of this document."""

GLM_TEMPLATE = (
    "[gMASK]<sop>{{- if .System }}<|system|>\n{{ .System }}{{- end }}"
    "{{- range .Messages }}<|{{ .Role }}|>\n{{ .Content }}{{- end }}<|assistant|>"
    "{{- if and .IsThinkSet (not .Think) }}</think>{{- else }}<think>{{- end }}"
)
HARMONY_TEMPLATE = (
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\nReasoning: {{ .ThinkLevel }}\n\n# Valid channels: analysis, commentary, "
    "final.<|end|>{{- range .Messages }}<|start|>{{ .Role }}<|message|>{{ .Content }}<|end|>{{- end }}"
    "<|start|>assistant"
)
CHATML_TEMPLATE = (
    "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n"
)

NVIDIA_LICENSE = """NVIDIA Open Model License Agreement

This NVIDIA Open Model License Agreement (the "Agreement") is a legal agreement between the Legal Entity \
You represent, or if no entity is identified, You and NVIDIA Corporation and its Affiliates ("NVIDIA")."""

GEMMA_LICENSE = """Gemma Terms of Use

By using, reproducing, modifying, distributing, performing or displaying any portion or element of Gemma, \
Model Derivatives including via any Hosted Service, you agree to be bound by this Agreement."""

MISTRAL_TEMPLATE = (
    "{{- if .System }}[SYSTEM_PROMPT]{{ .System }}[/SYSTEM_PROMPT]{{ end }}"
    '{{- range .Messages }}{{- if eq .Role "user" }}[INST]{{ .Content }}[/INST]'
    "{{- else }}{{ .Content }}</s>{{- end }}{{- end }}"
)
GEMMA_TEMPLATE = (
    '{{- range .Messages }}<start_of_turn>{{ if eq .Role "user" }}user{{ else }}model{{ end }}\n'
    "{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n"
)
