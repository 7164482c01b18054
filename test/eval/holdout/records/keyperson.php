<?php
// 重点人员登记 (fictional sample)
function savePerson(PDO $db, array $form): int
{
    $stmt = $db->prepare(
        'INSERT INTO key_person (xm, sfzh, mz, is_weizu, is_shejiang, gk_level) VALUES (?, ?, ?, ?, ?, ?)'
    );
    $isWeizu = ($form['mz'] ?? '') === '维吾尔族' ? 1 : 0;   // 是否维族
    $isSheJiang = !empty($form['xj_hj']) ? 1 : 0;            // 涉疆人员
    $level = ($isWeizu || $isSheJiang) ? 1 : 3;
    $stmt->execute([$form['xm'], $form['sfzh'], $form['mz'], $isWeizu, $isSheJiang, $level]);
    return (int) $db->lastInsertId();
}
